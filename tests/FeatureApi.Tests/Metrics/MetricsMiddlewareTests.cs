using System.Diagnostics.Metrics;
using FeaturePlatform.FeatureApi.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Metrics;

/// <summary>
/// What the API's request metrics count when a request ends in an exception: a server failure is an error; a client that
/// went away (a load generator closing its connections at the end of a run) is a 499 and no error.
/// </summary>
public sealed class MetricsMiddlewareTests
{
    [Fact]
    public async Task A_request_whose_client_went_away_is_a_499_and_not_an_error()
    {
        using var recorded = new Recorded();
        using var aborted = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        var middleware = new MetricsMiddleware(_ =>
        {
            aborted.Cancel();
            throw new OperationCanceledException(aborted.Token);
        }, recorded.Metrics);

        await Assert.ThrowsAsync<OperationCanceledException>(() => middleware.InvokeAsync(context));

        Assert.Equal(["499"], recorded.Statuses);
        Assert.Empty(recorded.Errors);
    }

    [Fact]
    public async Task A_request_that_fails_on_the_server_is_a_500_and_an_error()
    {
        using var recorded = new Recorded();
        var middleware = new MetricsMiddleware(_ => throw new InvalidOperationException("broken"), recorded.Metrics);

        await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(new DefaultHttpContext()));

        Assert.Equal(["500"], recorded.Statuses);
        Assert.Equal(["exception", "server"], recorded.Errors.Order());
    }

    /// <summary>The statuses of requests and the kinds of errors one <see cref="ApiMetrics"/> recorded.</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly MeterListener listener = new();
        private readonly Lock gate = new();

        public Recorded()
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            Metrics = new ApiMetrics(factory);
            listener.InstrumentPublished = (instrument, l) =>
            {
                // Only this factory's meter: other tests' hosts in the process have instruments of the same name.
                if (instrument.Meter.Name == ApiMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            {
                lock (gate)
                {
                    var list = instrument.Name switch
                    {
                        "featureapi.http.requests" => Statuses,
                        "featureapi.errors" => Errors,
                        _ => null,
                    };
                    list?.Add(Tag(tags, instrument.Name == "featureapi.errors" ? "kind" : "status"));
                }
            });
            listener.Start();
        }

        public ApiMetrics Metrics { get; }

        public List<string> Statuses { get; } = [];

        public List<string> Errors { get; } = [];

        public void Dispose()
        {
            listener.Dispose();
            services.Dispose();
        }

        private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == name)
                {
                    return tag.Value?.ToString() ?? "";
                }
            }
            return "";
        }
    }
}
