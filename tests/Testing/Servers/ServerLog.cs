using Xunit.Sdk;

namespace FeaturePlatform.Testing.Servers;

/// <summary>Puts a server's log tail into the failure message of a test body.</summary>
public static class ServerLog
{
    /// <summary>
    /// Runs <paramref name="body"/>; if it throws (a failed assertion, a timeout, a driver error), rethrows with
    /// the message followed by <paramref name="tailLog"/>() so the server's side of the story is in the report.
    /// </summary>
    public static async Task OnFailureAsync(Func<string> tailLog, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e)
        {
            throw new XunitException($"{e.GetType().Name}: {e.Message}\n--- server log tail ---\n{tailLog()}", e);
        }
    }
}
