using FeaturePlatform.FeatureApi.Apis.Times;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FeaturePlatform.FeatureApi.Hosting.OpenApi;

/// <summary>
/// Time fields of bodies (<see cref="TimeJsonConverter"/>) and query times (<see cref="TimeMs"/>): documented as
/// integers of epoch milliseconds (what a generated client sends) with the ISO-8601 alternative in the description.
/// </summary>
internal sealed class TimeSchemas : IOpenApiSchemaTransformer
{
    private const string Description = "Epoch milliseconds (UTC). An ISO-8601 string (e.g. \"2026-01-01T00:00:00Z\") is accepted too.";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var converter = context.JsonPropertyInfo?.CustomConverter;
        var isTime = converter is TimeJsonConverter or NullableTimeJsonConverter
            || context.JsonTypeInfo.Type == typeof(TimeMs) || context.JsonTypeInfo.Type == typeof(TimeMs?);
        if (isTime)
        {
            var nullable = converter is NullableTimeJsonConverter || context.JsonTypeInfo.Type == typeof(TimeMs?);
            schema.Type = nullable ? JsonSchemaType.Integer | JsonSchemaType.Null : JsonSchemaType.Integer;
            schema.Format = "int64";
            schema.Pattern = null;
            schema.Description ??= Description;
            schema.Properties?.Clear();
        }
        return Task.CompletedTask;
    }
}
