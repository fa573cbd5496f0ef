using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>Rebuilding before-images from formats that send the new row and only the changed columns' old values.</summary>
internal static class RowImages
{
    /// <summary>The row before an update: the new row with the changed columns' old values put back.</summary>
    public static byte[] Overlay(JsonElement row, JsonElement changes)
    {
        var before = JsonNode.Parse(row.GetRawText())!.AsObject();
        if (changes.ValueKind == JsonValueKind.Object)
        {
            foreach (var column in changes.EnumerateObject())
            {
                before[column.Name] = JsonNode.Parse(column.Value.GetRawText());
            }
        }
        return System.Text.Encoding.UTF8.GetBytes(before.ToJsonString());
    }
}
