using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>Declares the API-key scheme in the OpenAPI document so Swagger UI's "Authorize" sends the key.</summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Auth.ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key from Auth:Keys (also accepted as 'Authorization: ApiKey <key>').",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
