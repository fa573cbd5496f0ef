using System.Globalization;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// The one place that answers requests failing because storage refuses writes (<see cref="StorageUnavailableException"/>
/// anywhere in the exception chain, from any endpoint): 503 ProblemDetails with a Retry-After header and a detail saying
/// what is wrong in general terms ("the event store's disk is full") — no file paths, type names or stack traces; the
/// full cause is in the server log (once per episode).
/// </summary>
internal sealed class StorageFaultProblems(IProblemDetailsService problems, EventCenterSettings settings) : IExceptionHandler
{
    /// <summary>Problem type of these answers.</summary>
    public const string ProblemType = "https://featureplatform.dev/problems/storage-unavailable";

    public static void Configure(IServiceCollection services) => services.AddExceptionHandler<StorageFaultProblems>();

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (StorageUnavailableException.Find(exception) is not { } fault || httpContext.Response.HasStarted)
        {
            return false;
        }
        var retryAfter = Math.Max(1, (int)Math.Ceiling(settings.StorageProbeInterval.TotalSeconds));
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemType,
                Title = "Storage unavailable",
                Detail = Detail(fault.Reason, retryAfter),
                Extensions = { ["reason"] = fault.Reason.ToString() },
            },
        });
    }

    private static string Detail(StorageFaultReason reason, int retryAfter)
    {
        var cause = reason switch
        {
            StorageFaultReason.DiskFull => "the event store's disk is full",
            StorageFaultReason.ReadOnly => "the event store's disk is read-only",
            _ => "the event store's disk reports I/O errors",
        };
        return $"The write was not accepted: {cause}. Nothing of it was stored. Retry after {retryAfter} s; writes succeed again as soon as the operator has fixed the storage, without a restart.";
    }
}
