using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>
/// The outcome reader against bytes the embedded CPython's own <c>marshal.dumps(…, 4)</c> wrote: back-references
/// (a shared str, the same row twice), long ints, tuples, ints in float columns, errors and mismatches.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class AnswerReaderTests(PythonHostFixture fixture)
{
    private static readonly JobDeclaration Job = new("j", "", [], Consistency.Eventual, [],
        [
            new OutputDefinition("s", Jobs.ValueType.Str, "", Nullable: true),
            new OutputDefinition("n", Jobs.ValueType.Int, "", Nullable: false),
            new OutputDefinition("x", Jobs.ValueType.Float, "", Nullable: false),
            new OutputDefinition("b", Jobs.ValueType.Bool, "", Nullable: false),
        ],
        "/jobs/j.py", 3, "j", 4);

    private async Task<byte[]> MarshalAsync(string pythonValue) =>
        Convert.FromHexString(await fixture.Host.EvaluateAsync($"__import__('marshal').dumps({pythonValue}, 4).hex()"));

    private static FeatureEvent E(int i) => new("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture), i);

    [Fact]
    public async Task Batch_with_shared_objects_long_ints_tuples_and_an_error_reads_back()
    {
        var bytes = await MarshalAsync(
            "(lambda s, row: [[[s, 2**40, 1.5, True], row, row], [(s, -2**62, 7, False)], " +
            "{'error': {'type': 'KeyError', 'message': 'é', 'file': '/jobs/j.py', 'line': 9, 'traceback': 'tb'}}, [[None, -5, -0.25, True]]])" +
            "('gold', ['été', 3, 2.0, False])");
        var events = Enumerable.Range(0, 4).Select(E).ToList();
        var into = new List<EventOutcome>();

        var done = AnswerReader.ReadBatch(bytes, Job, "v1", events, 0, into, info => new PythonJobException("j", info.Type, info.Message, info.File, info.Line, info.Traceback));

        Assert.Equal(4, done);
        Assert.Equal([["gold", 1L << 40, 1.5, true], ["été", 3L, 2.0, false], ["été", 3L, 2.0, false]], into[0].Rows.Select(r => r.Values.ToArray()));
        Assert.Equal([["gold", -(1L << 62), 7.0, false]], into[1].Rows.Select(r => r.Values.ToArray()));
        Assert.Equal(("KeyError", "é", 9, "tb"), (into[2].Error!.PythonType, into[2].Error!.PythonMessage, into[2].Error!.LineNumber, into[2].Error!.PythonTraceback));
        Assert.Equal([null, -5L, -0.25, true], Assert.Single(into[3].Rows).Values);
    }

    [Theory]
    [InlineData("[['a', 1, 1.0]]")] // too few columns
    [InlineData("[['a', 1.5, 1.0, True]]")] // float in an int column
    [InlineData("[['a', True, 1.0, True]]")] // bool in an int column
    [InlineData("[['a', 2**64, 1.0, True]]")] // beyond 64 bits
    [InlineData("[[None, None, 1.0, True]]")] // None in a column that is not nullable
    [InlineData("{'rows': []}")] // neither rows nor an error
    public async Task Answers_that_do_not_match_the_outputs_are_shape_errors(string single)
    {
        var bytes = await MarshalAsync(single);

        Assert.Throws<JobResultShapeException>(() => AnswerReader.ReadSingle(bytes, Job, info => new PythonJobException("j", info.Type, "", "", 0, "")));
    }

    [Fact]
    public async Task Truncated_answers_are_shape_errors()
    {
        var bytes = await MarshalAsync("[['a', 1, 1.0, True]]");

        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            Assert.Throws<JobResultShapeException>(() => AnswerReader.ReadSingle(cut, Job, info => new PythonJobException("j", info.Type, "", "", 0, "")));
        }
    }
}
