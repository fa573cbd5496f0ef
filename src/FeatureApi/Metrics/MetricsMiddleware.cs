using System.Diagnostics;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>
/// Times every request and counts it under its route group (the first two literal segments of its route). A request
/// whose client went away before the answer is counted with status 499 and is not an error: nothing failed on the
/// server (a load generator closing its connections at the end of a run counted every one of them as a 500).
/// </summary>
internal sealed class MetricsMiddleware(RequestDelegate next, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (BadHttpRequestException e)
        {
            status = e.StatusCode; // answered by the exception handler with this status
            throw;
        }
        catch when (context.RequestAborted.IsCancellationRequested)
        {
            status = StatusCodes.Status499ClientClosedRequest;
            throw;
        }
        catch
        {
            metrics.RecordError(GroupOf(context), "exception");
            throw;
        }
        finally
        {
            metrics.RecordRequest(GroupOf(context), context.Request.Method, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>"/api/events" for "/api/events/{source}/{key}", "/health" for "/health/live"; "unmatched" without an endpoint.</summary>
    internal static string GroupOf(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return "unmatched";
        }
        var literals = new List<string>(2);
        foreach (var segment in endpoint.RoutePattern.PathSegments)
        {
            if (literals.Count == 2 || !segment.IsSimple || segment.Parts[0] is not Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal)
            {
                break;
            }
            literals.Add(literal.Content);
        }
        return "/" + string.Join('/', literals);
    }
}
