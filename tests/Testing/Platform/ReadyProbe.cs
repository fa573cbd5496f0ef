using System.Diagnostics;
using System.Net;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Platform;

/// <summary>Waits until a started platform process answers <c>GET /health/ready</c> with 200.</summary>
public static class ReadyProbe
{
    /// <summary>
    /// Polls <c>/health/ready</c> through <paramref name="client"/> until it answers 200; throws with the log's tail when
    /// <paramref name="process"/> exits first or <paramref name="timeout"/> passes (naming the last answer).
    /// </summary>
    public static async Task WaitAsync(HttpClient client, ServerProcess process, string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < timeout)
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"{name} exited during start-up. Log:\n{process.TailLog(8000)}");
            }
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{name} was not ready within {timeout} (last: {last}). Log:\n{process.TailLog(8000)}");
    }
}
