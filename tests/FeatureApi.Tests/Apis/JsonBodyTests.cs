using FeaturePlatform.FeatureApi.Apis;
using Microsoft.AspNetCore.Http;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>
/// Request bodies read with a size limit when the client sends no Content-Length (chunked): the body arrives in pieces,
/// and the limit is enforced on what arrived, not on a header.
/// </summary>
public sealed class JsonBodyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5_000)]
    [InlineData(200_000)]
    public async Task A_body_without_a_length_is_read_whole_from_its_pieces(int size)
    {
        var body = Enumerable.Range(0, size).Select(i => (byte)('a' + i % 26)).ToArray();

        var read = await JsonBody.ReadBytesAsync(Request(body), maxBytes: 200_000, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task A_body_without_a_length_past_the_limit_is_refused()
    {
        var read = await JsonBody.ReadBytesAsync(Request(new byte[200_001]), maxBytes: 200_000, CancellationToken.None);

        Assert.Null(read);
    }

    [Fact]
    public async Task A_declared_length_past_the_limit_is_refused_before_reading()
    {
        var request = Request(new byte[10]);
        request.ContentLength = 200_001;

        Assert.Null(await JsonBody.ReadBytesAsync(request, maxBytes: 200_000, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_read_of_a_body_that_has_not_ended_is_not_taken_for_the_whole_body()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync("{\"user_id\":"u8.ToArray());
        var context = new DefaultHttpContext();
        context.Features.Set<Microsoft.AspNetCore.Http.Features.IRequestBodyPipeFeature>(new BodyPipe(pipe.Reader));

        var reading = JsonBody.ReadBytesAsync(context.Request, maxBytes: 1000, CancellationToken.None);
        pipe.Reader.CancelPendingRead();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    private sealed class BodyPipe(System.IO.Pipelines.PipeReader reader) : Microsoft.AspNetCore.Http.Features.IRequestBodyPipeFeature
    {
        public System.IO.Pipelines.PipeReader Reader => reader;
    }

    /// <summary>A request whose body stream hands out at most 4 KiB a read, as a socket does.</summary>
    private static HttpRequest Request(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new Trickle(body);
        return context.Request;
    }

    private sealed class Trickle(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 4096), cancellationToken);
    }
}
