namespace FeaturePlatform.Testing.Cluster;

/// <summary>One network namespace of a <see cref="NetnsNetwork"/>: a "machine" with its own address.</summary>
/// <param name="Index">0-based position in the network.</param>
/// <param name="Namespace">The namespace's name (<c>ip netns exec &lt;Namespace&gt; …</c>).</param>
/// <param name="Address">Its IPv4 address on the bridge (its interface is <c>eth0</c> inside).</param>
/// <param name="RootVeth">The root-namespace end of its veth pair: <c>ip link set &lt;RootVeth&gt; down</c> cuts it off.</param>
public sealed record NetnsSlot(int Index, string Namespace, string Address, string RootVeth);
