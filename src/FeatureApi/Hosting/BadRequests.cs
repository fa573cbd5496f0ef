namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// Bad requests never become 500s: parameters that do not bind (<c>?limit=abc</c>) throw
/// <see cref="BadHttpRequestException"/> in every environment, and the exception handler answers with its status
/// (400) and its message as the ProblemDetails detail.
/// </summary>
internal static class BadRequests
{
    public static void Configure(IServiceCollection services)
    {
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<ExceptionHandlerOptions>(o => o.StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        services.Configure<ProblemDetailsOptions>(o =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                if (context.Exception is BadHttpRequestException bad)
                {
                    context.ProblemDetails.Status = bad.StatusCode;
                    context.ProblemDetails.Title = "Bad request";
                    context.ProblemDetails.Detail = bad.Message;
                }
            };
        });
    }
}
