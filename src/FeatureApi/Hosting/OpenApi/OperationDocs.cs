using System.Text.Json.Nodes;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FeaturePlatform.FeatureApi.Hosting.OpenApi;

/// <summary>
/// Completes each operation of the OpenAPI document so clients can be written from it: the request body of every
/// operation that reads one (the handlers read their bodies themselves, with a size limit, so the framework does not
/// see them) with its schema and an example, and the error answers where they occur — 400 (bad input), 401 (no or
/// unknown key), 403 (a role the key lacks), 409 (the state does not allow it) — as ProblemDetails.
/// </summary>
internal sealed class OperationDocs : IOpenApiOperationTransformer
{
    /// <summary>Error answers added to every operation that can give them, with what they mean.</summary>
    private static readonly Dictionary<string, string> ErrorMeanings = new(StringComparer.Ordinal)
    {
        ["400"] = "The request is malformed; the detail names the field and the fix.",
        ["401"] = "No API key, or a key that is not accepted (send X-Api-Key).",
        ["403"] = "The key lacks the role this operation needs.",
        ["409"] = "The target's state does not allow this now; the detail says why.",
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var method = description.HttpMethod ?? "";
        var path = "/" + (description.RelativePath ?? "").Trim('/');
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (RequestBodies.For(method, path) is { } body)
        {
            operation.RequestBody = await BodyAsync(body, context, cancellationToken);
        }
        var errors = new List<string>();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        var hasInput = operation.RequestBody is not null || description.ParameterDescriptions.Count > 0;
        if (hasInput)
        {
            errors.Add("400");
        }
        if (authorize.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any())
        {
            errors.Add("401");
            if (authorize.Any(a => a.Policy is { } policy && policy != Roles.ReadPolicy) || RequestBodies.RoleDependent(method, path))
            {
                errors.Add("403");
            }
        }
        if (RequestBodies.Conflicts(method, path))
        {
            errors.Add("409");
        }
        if (errors.Count == 0)
        {
            return;
        }
        operation.Responses ??= [];
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        foreach (var code in errors.Where(c => !operation.Responses.ContainsKey(c)))
        {
            operation.Responses[code] = new OpenApiResponse
            {
                Description = ErrorMeanings[code],
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
            };
        }
    }

    private static async Task<OpenApiRequestBody> BodyAsync(BodyDoc body, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        if (body.Json is { } json)
        {
            var schema = json.Type is { } type ? await context.GetOrCreateSchemaAsync(type, null, cancellationToken) : json.Schema!();
            content["application/json"] = new OpenApiMediaType { Schema = schema, Example = JsonNode.Parse(json.Example) };
        }
        if (body.Form is { } form)
        {
            var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal), Required = new HashSet<string>(StringComparer.Ordinal) };
            var example = new JsonObject();
            foreach (var field in form)
            {
                schema.Properties[field.Name] = field.IsFile
                    ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = field.Description }
                    : new OpenApiSchema { Type = JsonSchemaType.String, Description = field.Description };
                if (field.Required)
                {
                    schema.Required.Add(field.Name);
                }
                if (!field.IsFile && field.Example is { } value)
                {
                    example[field.Name] = value;
                }
            }
            content["multipart/form-data"] = new OpenApiMediaType { Schema = schema, Example = example };
        }
        return new OpenApiRequestBody { Required = body.Required, Description = body.Description, Content = content };
    }
}
