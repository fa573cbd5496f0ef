using System.Diagnostics;
using System.Security.Claims;

namespace FeaturePlatform.FeatureApi.Audit;

/// <summary>
/// Records every write (queued to <see cref="AuditLog"/>, written in batches off the request's path) (POST, PUT, PATCH, DELETE) with who, when, what and the outcome — including refused ones
/// (401, 403, 4xx) and failures. Runs after authentication and before authorization so refusals are seen.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, AuditLog log, TimeProvider clock, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (!(HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method)))
        {
            await next(context);
            return;
        }
        var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away before the answer: not a server failure. What the write did is whatever it got to do.
            status = StatusCodes.Status499ClientClosedRequest;
            throw;
        }
        finally
        {
            var user = context.User;
            var authenticated = user.Identity?.IsAuthenticated == true;
            var record = new AuditRecord(
                at,
                authenticated ? user.Identity!.Name ?? "?" : "anonymous",
                authenticated ? user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList() : [],
                method,
                context.Request.Path.Value ?? "",
                (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText,
                status,
                AuditRecord.OutcomeOf(status),
                Stopwatch.GetElapsedTime(started).TotalMilliseconds) { Detail = AuditRecord.DetailOf(context) };
            try
            {
                log.Append(record); // written off the request's path, batched with concurrent requests' records
            }
            catch (ObjectDisposedException)
            {
                logger.LogWarning("The audit record of {Method} {Path} by {Actor} ({Status}) came after the audit log was closed (shutdown)", record.Method, record.Path, record.Actor, record.Status);
            }
        }
    }
}
