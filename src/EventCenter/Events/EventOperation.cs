namespace FeaturePlatform.EventCenter.Events;

/// <summary>What a change event did to its entity. The numeric values are part of the stored format.</summary>
public enum EventOperation : byte
{
    /// <summary>A row was inserted; the after-image holds it.</summary>
    Insert = 1,

    /// <summary>A row was updated; before- and after-images hold the old and new row.</summary>
    Update = 2,

    /// <summary>A row was deleted; the entity is absent from this event on. The before-image may hold the old row.</summary>
    Delete = 3,

    /// <summary>A row read by an initial snapshot (treated like an insert).</summary>
    SnapshotRead = 4,

    /// <summary>A message (RabbitMQ, HTTP message-forward, plain Kafka); the after-image holds its body.</summary>
    Message = 5,
}
