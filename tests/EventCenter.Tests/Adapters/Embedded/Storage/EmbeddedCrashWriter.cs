using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// Child-process side of the crash test: writes numbered batches forever and prints "ACK n" after batch n's
/// put returned. Batch n holds <see cref="RowsPerBatch"/> rows "b{n}-{i}", each with two cells.
/// </summary>
public static class EmbeddedCrashWriter
{
    public const string Mode = "embedded-crash-writer";
    public const int RowsPerBatch = 50;
    public const string Family = "f";

    public static TableName Table { get; } = new(null, "crash_test");

    public static byte[] RowKey(int batch, int i) => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"b{batch:D7}-{i:D3}"));

    /// <summary>args: directory, synchronous mode (Normal|Full).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new EmbeddedStoreOptions { Directory = args[0], Synchronous = Enum.Parse<EmbeddedSynchronousMode>(args[1]) };
        await using var store = EmbeddedWideTableStore.Open(options);
        await store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec(Family)]));
        var payload = new byte[200];
        Console.WriteLine("READY");
        for (var batch = 0; ; batch++)
        {
            var puts = new List<Put>(RowsPerBatch);
            for (var i = 0; i < RowsPerBatch; i++)
            {
                puts.Add(new Put(RowKey(batch, i),
                [
                    new Cell(Encoding.ASCII.GetBytes(Family), "a"u8.ToArray(), 1_000 + batch, BitConverter.GetBytes(batch)),
                    new Cell(Encoding.ASCII.GetBytes(Family), "b"u8.ToArray(), 1_000 + batch, payload),
                ]));
            }
            await store.PutAsync(Table, puts);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {batch}"));
        }
    }
}
