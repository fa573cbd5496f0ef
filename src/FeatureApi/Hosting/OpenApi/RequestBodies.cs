using FeaturePlatform.FeatureApi.Apis;
using FeaturePlatform.Runtime.Parity;
using Microsoft.OpenApi;

namespace FeaturePlatform.FeatureApi.Hosting.OpenApi;

/// <summary>A JSON request body: its type (schema generated as for responses) or a hand-made schema, and an example.</summary>
/// <param name="Type">The body's type, or null when <paramref name="Schema"/> describes it.</param>
/// <param name="Example">A complete example body (JSON text).</param>
/// <param name="Schema">A schema for bodies without a type (e.g. any JSON object or array).</param>
internal sealed record JsonBodyDoc(Type? Type, string Example, Func<IOpenApiSchema>? Schema = null);

/// <summary>A field of a multipart form body.</summary>
internal sealed record FormField(string Name, string Description, bool Required = false, bool IsFile = false, string? Example = null);

/// <summary>What an operation reads as its body: JSON, a multipart form, or either.</summary>
internal sealed record BodyDoc(string Description, JsonBodyDoc? Json = null, IReadOnlyList<FormField>? Form = null, bool Required = true);

/// <summary>
/// The request bodies the handlers read themselves, by operation (method and route template), and the operations
/// whose answers depend on the caller's role or the target's state beyond what the route metadata says.
/// </summary>
internal static class RequestBodies
{
    private const string Range = "\"from\": 1704067200000, \"to\": 1706745600000";

    private static readonly Dictionary<string, BodyDoc> Bodies = new(StringComparer.Ordinal)
    {
        ["POST /api/backtests"] = new(
            "A time range (JSON, ms since the Unix epoch, [from, to)) or a sample table (multipart form). 'parameters' and 'proposal' make it a what-if run.",
            new JsonBodyDoc(typeof(BacktestsApi.LaunchRequest), $$$"""{"job": "order_stats_30d", {{{Range}}}, "parameters": {"min_amount": 20}}"""),
            [
                new FormField("job", "The job.", Required: true, Example: "order_stats_30d"),
                new FormField("file", "The sample table: CSV or JSON lines with key, time (ms)[, label] columns.", Required: true, IsFile: true),
                new FormField("label", "A name for the run (default: the uploaded file's name).", Example: "January churners"),
                new FormField("parameters", "What-if values: a JSON object of parameter name → value.", Example: """{"min_amount": 20}"""),
                new FormField("proposal", "A parameter proposal of the job whose values to run."),
                new FormField("models", "Model versions pinned for the run: a JSON object of model name → version."),
                new FormField("source", "The trigger source the keys belong to (default: the job's first trigger)."),
                new FormField("keyColumn", "The key column (default: key).", Example: "key"),
                new FormField("timeColumn", "The time column (default: time).", Example: "time"),
                new FormField("labelColumn", "The label column (default: label).", Example: "label"),
            ]),
        ["POST /api/parity"] = new("The job and the event-time range to compare (ms, [from, to)); 'correct' also rewrites what differs.",
            new JsonBodyDoc(typeof(ParityRequest), $$$"""{"job": "order_stats_30d", {{{Range}}}, "correct": false}""")),
        ["POST /api/backfills"] = new("The job and the event-time range to replay into the feature store (ms, [from, to)); optional trigger source, output presets also written, parameter values and model pins for the whole run, and a label.",
            new JsonBodyDoc(typeof(BackfillsApi.LaunchRequest), $$$"""{"job": "order_stats_30d", {{{Range}}}, "sinks": [], "label": "initialise January"}""")),
        ["POST /api/sources/{source}/slices"] = new("The time the slice is taken as of (ms since the Unix epoch, inclusive: the latest event of each entity with event time at or before asOf).",
            new JsonBodyDoc(typeof(SlicesApi.SliceBody), """{"asOf": 1706745599999}""")),
        ["POST /api/features/{job}:batch"] = new("The keys to look up (and optionally the columns to return).",
            new JsonBodyDoc(typeof(FeaturesApi.BatchRequest), """{"keys": ["u-1", "u-2"], "columns": ["order_count", "order_amount"]}""")),
        ["POST /api/features/{job}:select"] = new(
            "A predicate tree over the job's feature columns (and/or/not; =, !=, <, <=, >, >=, between, in, is_null, is_not_null; numbers, strings, booleans, {\"timestamp\": ...}; the column $updated is the row's newest event time), the columns to return, a page size and cursor, a freshness bound; 'export' (csv or parquet) starts an export run instead (docs/selection.md).",
            new JsonBodyDoc(typeof(SelectionApi.SelectRequest), """{"predicate": {"and": [{"column": "order_amount", "op": ">=", "value": 100}, {"column": "country", "op": "in", "values": ["CN", "SG"]}, {"not": {"column": "vip", "op": "=", "value": true}}, {"column": "last_order_at", "op": "between", "values": [{"timestamp": "2026-01-01T00:00:00Z"}, {"timestamp": "2026-02-01T00:00:00Z"}]}, {"or": [{"column": "email", "op": "is_not_null"}, {"column": "order_count", "op": ">", "value": 3}]}]}, "columns": ["order_amount", "country"], "pageSize": 100, "cursor": null, "maxAgeSeconds": 86400}"""), Required: false),
        ["POST /api/selections/{name}:run"] = new("Optional: a page size and cursor, or 'export' (csv or parquet) for an export run.",
            new JsonBodyDoc(typeof(SelectionApi.RunRequest), """{"pageSize": 100, "cursor": null, "export": null}"""), Required: false),
        ["PUT /api/selections/{name}"] = new("The job, the predicate (as in POST /api/features/{job}:select), the columns, a freshness bound and a description.",
            new JsonBodyDoc(typeof(SelectionApi.SaveRequest), """{"job": "order_stats_30d", "predicate": {"column": "order_amount", "op": ">=", "value": 100}, "columns": ["order_amount"], "maxAgeSeconds": null, "description": "Big spenders"}""")),
        ["POST /api/jobs/{job}/requests"] = new("A call of the job: the key, the request's data, optional id (for exactly-once) and time.",
            new JsonBodyDoc(typeof(RequestsApi.RequestBody), """{"key": "u-1", "data": {"amount": 42.5}, "requestId": "req-0001"}""")),
        ["POST /api/jobs/{job}/parameters/proposals"] = new("New values with the reason; 'effectiveAt' (ms) schedules them.",
            new JsonBodyDoc(typeof(ParametersApi.ProposeRequest), """{"values": {"min_amount": 20}, "reason": "Fewer tiny orders since the price change", "effectiveAt": null}""")),
        ["POST /api/jobs/{job}/parameters/proposals/{id}/approve"] = new("An optional reason.",
            new JsonBodyDoc(typeof(ParametersApi.ReviewRequest), """{"reason": "Backtest looks right"}"""), Required: false),
        ["POST /api/jobs/{job}/parameters/proposals/{id}/reject"] = new("The reason.",
            new JsonBodyDoc(typeof(ParametersApi.ReviewRequest), """{"reason": "Too many users would drop out"}"""), Required: false),
        ["POST /api/sources/{source}/messages"] = new(
            "One message (a JSON object with the source's fields; for a Debezium, Canal or Maxwell source a message as the connector writes it, housekeeping such as DDL and tombstones included) or many (an array of them).",
            new JsonBodyDoc(null, """[{"order_id": "o-1001", "user_id": "u-1", "created_at": 1704067200000, "amount": 42.5}]""", MessageSchema)),
        ["POST /api/registry/jobs/{job}/versions"] = new("The job's code and a message.", Form:
            [
                new FormField("file", "A .py job module or a .zip of modules.", Required: true, IsFile: true),
                new FormField("message", "What changed.", Required: true, Example: "Count only paid orders"),
            ]),
        ["POST /api/registry/jobs/{job}/versions/{version}/backtest"] = new("The event-time range to replay (ms, [from, to)).",
            new JsonBodyDoc(typeof(PublishingApi.BacktestRequest), $$$"""{ {{{Range}}} }""")),
        ["POST /api/registry/jobs/{job}/versions/{version}/approve"] = new("An optional reason.",
            new JsonBodyDoc(typeof(PublishingApi.ReviewRequest), """{"reason": "Differences explained"}"""), Required: false),
        ["POST /api/registry/jobs/{job}/versions/{version}/reject"] = new("The reason (required).",
            new JsonBodyDoc(typeof(PublishingApi.ReviewRequest), """{"reason": "Changes the churn feature for every user"}""")),
        ["POST /api/registry/jobs/{job}/promote"] = new("The approved version to make live.",
            new JsonBodyDoc(typeof(PublishingApi.SwitchRequest), """{"version": "3f2a9c0d1e4b5a67", "reason": "Approved in review"}""")),
        ["POST /api/registry/jobs/{job}/rollback"] = new("The earlier version to bring back.",
            new JsonBodyDoc(typeof(PublishingApi.SwitchRequest), """{"version": "3f2a9c0d1e4b5a67", "reason": "Errors after the promotion"}""")),
        ["POST /api/models/{name}/versions"] = new("A trained model's artifact and its metadata.", Form:
            [
                new FormField("file", "The artifact (its SHA-256 is the version).", Required: true, IsFile: true),
                new FormField("framework", "sklearn | linear-json.", Required: true, Example: "sklearn"),
                new FormField("trainedFrom", "Start of the training range: ms since the Unix epoch or ISO 8601.", Required: true, Example: "2026-01-01"),
                new FormField("trainedTo", "End of the training range: ms since the Unix epoch or ISO 8601.", Required: true, Example: "2026-02-01"),
                new FormField("metrics", "A JSON object of metric name → value.", Example: """{"auc": 0.81}"""),
                new FormField("description", "What the model is.", Example: "Churn model trained on January"),
            ]),
        ["POST /api/registry/jobs/{job}/retire"] = new("The reason (required).",
            new JsonBodyDoc(typeof(PublishingApi.ReviewRequest), """{"reason": "Replaced by order_stats_v2"}""")),
        ["POST /api/registry/scenarios/{scenario}"] = new("The new job's name, the scenario's parameters and a message (GET /api/registry/scenarios lists them).",
            new JsonBodyDoc(typeof(PublishingApi.ScenarioRequest), """{"job": "large_orders", "parameters": {"source": "orders", "key": "user_id"}, "message": "From the standard scenario"}""")),
        ["POST /api/sources"] = new("The source's definition (admin): name, format, key and time fields, topics, declared field types and delays.",
            new JsonBodyDoc(typeof(FeaturePlatform.EventCenter.Ingestion.Sources.SourceDefinition),
                """{"name": "payments", "format": "Json", "topics": ["payments"], "keyFields": ["user_id"], "timeField": "created_at", "idField": "payment_id"}""")),
        ["PUT /api/sources/{source}"] = new("The source's new definition (admin); its name is the path's. ?revision= makes the change conditional.",
            new JsonBodyDoc(typeof(FeaturePlatform.EventCenter.Ingestion.Sources.SourceDefinition),
                """{"name": "payments", "format": "Json", "topics": ["payments", "payments-eu"], "keyFields": ["user_id"], "timeField": "created_at", "idField": "payment_id"}""")),
        ["POST /api/registry/helpers"] = new("Shared helper modules and a message.", Form:
            [
                new FormField("file", "A .py named by its module path, or a .zip of modules.", Required: true, IsFile: true),
                new FormField("message", "What changed.", Required: true, Example: "Shared rounding helper"),
            ]),
    };

    /// <summary>Operations that read no body (the test checks every other POST has one).</summary>
    public static readonly IReadOnlySet<string> Bodyless = new HashSet<string>(StringComparer.Ordinal)
    {
        "POST /api/backtests/{id}/cancel",
        "POST /api/backfills/{id}/cancel",
        "POST /api/jobs/{job}/enable",
        "POST /api/jobs/{job}/disable",
        "POST /api/jobs/{job}/quarantine/{id}/retry",
        "POST /api/corrections/{source}",
    };

    /// <summary>Operations open to readers whose answer is 403 for some requests (a what-if backtest by an operator, 'correct' by a reader).</summary>
    private static readonly HashSet<string> RoleDependentOperations = new(StringComparer.Ordinal) { "POST /api/parity" };

    /// <summary>Operations that answer 409 when the target's state does not allow them.</summary>
    private static readonly HashSet<string> ConflictOperations = new(StringComparer.Ordinal)
    {
        "GET /api/backtests/{id}/results",
        "GET /api/backtests/{id}/results.csv",
        "GET /api/backtests/{id}/results.parquet",
        "GET /api/slices/{id}/slice.parquet",
        "GET /api/slices/{id}/slice.csv",
        "POST /api/jobs/{job}/parameters/proposals",
        "POST /api/jobs/{job}/parameters/proposals/{id}/approve",
        "POST /api/jobs/{job}/parameters/proposals/{id}/reject",
        "POST /api/registry/jobs/{job}/versions/{version}/backtest",
        "POST /api/registry/jobs/{job}/versions/{version}/approve",
        "POST /api/registry/jobs/{job}/versions/{version}/reject",
        "POST /api/registry/jobs/{job}/promote",
        "POST /api/registry/jobs/{job}/rollback",
        "POST /api/registry/jobs/{job}/retire",
        "POST /api/sources",
        "PUT /api/sources/{source}",
    };

    /// <summary>The body of the operation, or null when it reads none.</summary>
    public static BodyDoc? For(string method, string path) => Bodies.GetValueOrDefault($"{method} {path}");

    /// <summary>True when the operation may answer 403 although its route needs only the read role.</summary>
    public static bool RoleDependent(string method, string path) => RoleDependentOperations.Contains($"{method} {path}");

    /// <summary>True when the operation may answer 409.</summary>
    public static bool Conflicts(string method, string path) => ConflictOperations.Contains($"{method} {path}");

    private static IOpenApiSchema MessageSchema()
    {
        var message = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A message with the source's fields (its key, time and id fields among them: GET /api/sources/{source}).",
            AdditionalPropertiesAllowed = true,
        };
        return new OpenApiSchema { OneOf = [message, new OpenApiSchema { Type = JsonSchemaType.Array, Items = message }] };
    }
}
