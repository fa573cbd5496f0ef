namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Checks names taken from the route (job names, keys) before they reach storage row keys.</summary>
internal static class RouteNames
{
    /// <summary>Longest accepted job name or entity key.</summary>
    public const int MaxLength = 1024;

    /// <summary>A 400 ProblemDetails when the route value <paramref name="name"/> is too long or has control characters.</summary>
    public static IResult? Check(HttpContext context, string name) =>
        context.Request.RouteValues.TryGetValue(name, out var value) && value is string text ? Check(name, text) : null;

    /// <summary>A 400 ProblemDetails when <paramref name="value"/> is empty, too long or has control characters.</summary>
    public static IResult? Check(string name, string value) =>
        value.Length is 0 or > MaxLength || value.Any(char.IsControl)
            ? TypedResults.Problem($"'{name}' must be 1 to {MaxLength} characters without control characters.", statusCode: StatusCodes.Status400BadRequest, title: $"Bad {name}")
            : null;
}
