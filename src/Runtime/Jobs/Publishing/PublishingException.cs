namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>What kind of refusal a <see cref="PublishingException"/> is (the API maps it to a status code).</summary>
public enum PublishingRefusal
{
    /// <summary>The upload or request is wrong (400).</summary>
    BadRequest,

    /// <summary>The module failed validation: names file and line (422).</summary>
    Invalid,

    /// <summary>No such job or version (404).</summary>
    NotFound,

    /// <summary>The version's state does not allow it, or a concurrent change came first (409).</summary>
    Conflict,

    /// <summary>The caller may not do it, e.g. approve their own version (403).</summary>
    Forbidden,
}

/// <summary>A publishing step refused, with the field and the fix (and for a module that fails, its file and line).</summary>
public sealed class PublishingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PublishingException(PublishingRefusal refusal, string field, string message, string? file = null, int? line = null) : base(message)
    {
        Refusal = refusal;
        Field = field;
        File = file;
        Line = line;
    }

    /// <summary>The kind of refusal.</summary>
    public PublishingRefusal Refusal { get; }

    /// <summary>The request field at fault (e.g. <c>file</c>, <c>version</c>).</summary>
    public string Field { get; }

    /// <summary>For a module that fails validation: the file within the upload.</summary>
    public string? File { get; }

    /// <summary>For a module that fails validation: the line (0 when unknown).</summary>
    public int? Line { get; }

    /// <summary>For a module whose own test failed validation: the test's name (file::class.method).</summary>
    public string? Test { get; init; }
}
