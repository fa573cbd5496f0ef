using System.Text.Json;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.SourceDb.Images;

/// <summary>
/// Converts a source-database row into the image a stored CDC event of the same source carries (the JSON the logic
/// sees in <c>ctx.fetch</c>): Debezium's <c>after</c> block with its default encodings (<see cref="DebeziumValues"/>),
/// Canal's typed data row or Maxwell's <c>data</c> (<see cref="BinlogTextValues"/>). Plain JSON sources have no
/// CDC image: the row is written with the driver's values (ISO-8601 times, numbers as numbers).
/// </summary>
public static class CdcImages
{
    /// <summary>The image of <paramref name="row"/> as <paramref name="source"/>'s CDC events carry it.</summary>
    /// <exception cref="ArgumentException">The row has no typed values (it was not read by <see cref="ISourceDatabase.ReadRowAsync"/>).</exception>
    public static byte[] For(SourceDefinition source, SourceRow row)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(row);
        if (source.Format == SourceFormat.Json)
        {
            return row.Json;
        }
        if (row.Values.Count == 0)
        {
            throw new ArgumentException("The row carries no typed values.", nameof(row));
        }
        var decimals = source.Mirror?.DecimalHandling ?? DecimalHandling.Precise;
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var value in row.Values)
            {
                json.WritePropertyName(value.Type.Name);
                switch (source.Format)
                {
                    case SourceFormat.Debezium:
                        DebeziumValues.Write(json, value, decimals);
                        break;
                    default:
                        BinlogTextValues.Write(json, value, source.Format == SourceFormat.Maxwell);
                        break;
                }
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
