using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>Turns a source's raw messages into change events. Never throws for bad input: it rejects with a reason.</summary>
public interface IEventParser
{
    /// <summary>Parses <paramref name="message"/> of <paramref name="source"/>; <paramref name="ingestTime"/> stamps the events.</summary>
    ParseResult Parse(SourceDefinition source, RawMessage message, long ingestTime);
}

/// <summary>The parser of each format.</summary>
public static class EventParsers
{
    private static readonly IEventParser Debezium = new DebeziumParser();
    private static readonly IEventParser Canal = new CanalParser();
    private static readonly IEventParser Maxwell = new MaxwellParser();
    private static readonly IEventParser Json = new JsonMessageParser();

    /// <summary>The parser for <paramref name="format"/>.</summary>
    public static IEventParser For(SourceFormat format) => format switch
    {
        SourceFormat.Debezium => Debezium,
        SourceFormat.Canal => Canal,
        SourceFormat.Maxwell => Maxwell,
        SourceFormat.Json => Json,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown source format."),
    };

    /// <summary>Parses with the source's parser, enforcing the source's size limit first.</summary>
    public static ParseResult Parse(SourceDefinition source, RawMessage message, long ingestTime)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(message);
        if (message.Value.Length > source.MaxMessageBytes)
        {
            return ParseResult.Reject($"message of {message.Value.Length} bytes exceeds the source's limit of {source.MaxMessageBytes} bytes");
        }
        return For(source.Format).Parse(source, message, ingestTime);
    }
}
