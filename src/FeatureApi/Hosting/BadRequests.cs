using System.Text.Json;
using System.Text.RegularExpressions;
using FeaturePlatform.FeatureApi.Apis;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// Bad requests never become 500s and never show .NET type names: parameters that do not bind (<c>?limit=abc</c>,
/// <c>?asOf=yesterday</c>) and bodies that do not read (malformed JSON, a malformed multipart form) throw in every
/// environment, and the exception handler answers 400 (or the exception's 4xx) with a ProblemDetails whose detail
/// names the parameter or field and the fix, and whose <c>errors</c> maps that name to the message.
/// </summary>
internal static partial class BadRequests
{
    public static void Configure(IServiceCollection services)
    {
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<ExceptionHandlerOptions>(o => o.StatusCodeSelector = e => e switch
        {
            BadHttpRequestException bad => bad.StatusCode,
            InvalidDataException => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status500InternalServerError,
        });
        services.Configure<ProblemDetailsOptions>(o =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                if (Describe(context.Exception) is { } problem)
                {
                    context.ProblemDetails.Status = problem.Status;
                    context.ProblemDetails.Title = "Bad request";
                    context.ProblemDetails.Detail = problem.Detail;
                    if (problem.Field is { } field)
                    {
                        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [problem.Detail] };
                    }
                }
            };
        });
    }

    /// <summary>What a client is told about a request that failed before or while its handler read it; null for other failures.</summary>
    internal static (int Status, string Detail, string? Field)? Describe(Exception? exception)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                return (bad.StatusCode, ForBinding(bad, out var field), field);
            case InvalidDataException:
                return (StatusCodes.Status400BadRequest,
                    "The multipart form is malformed (a boundary, header or part is broken). Send multipart/form-data as a browser or "
                    + "`curl -F name=value -F file=@path` builds it.", null);
            default:
                return null;
        }
    }

    private static string ForBinding(BadHttpRequestException bad, out string? field)
    {
        var message = bad.Message;
        if (BindFailed().Match(message) is { Success: true } bind)
        {
            field = bind.Groups["name"].Value;
            var value = bind.Groups["value"].Value;
            // A query time that parses but looks like seconds: say so and give the milliseconds to send.
            if (bind.Groups["type"].Value.Contains("TimeMs", StringComparison.Ordinal) && Runtime.Triggers.Samples.TimeText.Problem(field, value, out _) is { } time)
            {
                return time;
            }
            return $"{field}: '{value}' is not valid; {Expected(bind.Groups["type"].Value)}.";
        }
        if (Missing().Match(message) is { Success: true } missing)
        {
            field = missing.Groups["name"].Value;
            return $"{field}: required; {Expected(missing.Groups["type"].Value)}.";
        }
        if (ReadBody().Match(message) is { Success: true } read)
        {
            field = null;
            if (bad.InnerException is JsonException json)
            {
                field = JsonErrors.Field(json);
                return JsonErrors.Describe(json);
            }
            return "The request body could not be read: send it as the operation's schema in /openapi/v1.json says.";
        }
        field = null;
        return JsonErrors.WithoutTypeNames(message);
    }

    /// <summary>The accepted form of a parameter of <paramref name="type"/> (as the binder names it), without the type name.</summary>
    private static string Expected(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>', '?') switch
    {
        "TimeMs" => $"give a time as {Apis.Times.TimeMs.Forms}",
        "long" or "int" or "Int64" or "Int32" or "short" => "give a whole number, e.g. 100",
        "double" or "float" or "decimal" => "give a number, e.g. 1.5",
        "bool" or "Boolean" => "give true or false",
        "DateTimeOffset" or "DateTime" => "give an ISO-8601 time, e.g. 2026-01-01T00:00:00Z",
        "Guid" => "give an id such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        _ => "see the operation's parameters in /openapi/v1.json",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailed();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided""")]
    private static partial Regex Missing();

    [GeneratedRegex("""^Failed to read parameter ".+" from the request body""")]
    private static partial Regex ReadBody();
}
