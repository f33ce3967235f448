using System;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// The inputs of one case, shared by every implementation so they all normalize the same numbers.
/// Values are deterministic; the input carries a common offset, as activations often do.
/// </summary>
internal sealed class CaseData
{
    public CaseData(NormCase normCase)
    {
        Case = normCase;
        int length = checked(normCase.Rows * normCase.RowLength);
        var random = new Random(20240607);

        Input = Fill(length, random, offset: 0.5f, scale: 2f);
        GradOutput = Fill(length, random, offset: 0f, scale: 1f);
        Weight = Fill(normCase.RowLength, random, offset: 1f, scale: 0.2f);
        Bias = Fill(normCase.RowLength, random, offset: 0f, scale: 0.2f);
    }

    public NormCase Case { get; }

    public float[] Input { get; }

    public float[] Weight { get; }

    public float[] Bias { get; }

    /// <summary>The fixed upstream gradient dy for the backward pass.</summary>
    public float[] GradOutput { get; }

    /// <summary>A zeroed buffer for an output; pinned, and touched so no page faults land in a timed call.</summary>
    public static float[] Output(int length)
    {
        float[] buffer = GC.AllocateArray<float>(length, pinned: true);
        buffer.AsSpan().Fill(0f);
        return buffer;
    }

    private static float[] Fill(int length, Random random, float offset, float scale)
    {
        float[] buffer = GC.AllocateUninitializedArray<float>(length, pinned: true);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = offset + scale * (2f * random.NextSingle() - 1f);
        }

        return buffer;
    }
}
