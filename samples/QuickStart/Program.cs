using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using QuickStart;
using static TorchSharp.torch;

// NormGen quick start: the generated kernels, checked against a float64 reference and timed
// next to TorchSharp's nn.LayerNorm on the same data.
const int Batch = 8, Time = 512, D = TransformerBlock.Ln1.RowLength;
int rows = Batch * Time;
var random = new Random(42);
float[] x = RandomArray(rows * D), dy = RandomArray(rows * D);
float[] weight = RandomArray(D, 1f), bias = RandomArray(D);

// Before libtorch loads: its idle OpenMP threads sleep instead of spinning on the cores the kernels use.
string waitPolicy = NormGen.Samples.Training.NativeEnvironment.UsePassiveOpenMpThreads();

Console.WriteLine($"NormGen quick start: LayerNorm over D = {D}, input [{Batch}, {Time}, {D}]");
Console.WriteLine($"  kernel TransformerBlock.Ln1: RowLength = {TransformerBlock.Ln1.RowLength}, eps = {TransformerBlock.Ln1.Epsilon}");
Console.WriteLine();

// 1. Forward, saving the statistics backward needs.
float[] y = new float[x.Length], mean = new float[rows], rstd = new float[rows];
TransformerBlock.Ln1.Forward(x, weight, bias, y, mean, rstd);

// 2. Backward: input gradient, and weight/bias gradients summed over rows.
float[] dx = new float[x.Length], dWeight = new float[D], dBias = new float[D];
TransformerBlock.Ln1.Backward(dy, x, weight, mean, rstd, dx, dWeight, dBias);

// 3. RMSNorm over the same rows.
float[] rmsOut = new float[x.Length];
TransformerBlock.FinalNorm.Forward(x, weight, rmsOut);

Console.WriteLine("Checking against a float64 reference:");
Report("LayerNorm forward  y ", MaxError(y, ReferenceLayerNorm(x, weight, bias)));
Report("LayerNorm backward dx", MaxError(dx, ReferenceLayerNormGradInput(x, dy, weight)));
Report("RMSNorm forward    y ", MaxError(rmsOut, ReferenceRmsNorm(x, weight, TransformerBlock.FinalNorm.Epsilon)));
Console.WriteLine();

Console.WriteLine($"Timing (median of calls taken in turn; lower is better; libtorch with OMP_WAIT_POLICY={waitPolicy}):");
set_num_threads(Environment.ProcessorCount);
using var input = tensor(x).reshape(rows, D);
using var layerNorm = nn.LayerNorm(D);
using (no_grad())
{
    layerNorm.weight!.copy_(tensor(weight));
    layerNorm.bias!.copy_(tensor(bias));
}

Console.WriteLine($"  {"case",-34} {"NormGen",10} {"TorchSharp",11} {"speedup",8}");
Compare($"LayerNorm forward [{rows},{D}]",
    () => TransformerBlock.Ln1.Forward(x, weight, bias, y),
    () => { using (no_grad()) { using var scope = NewDisposeScope(); layerNorm.call(input); } });

Compare($"LayerNorm forward [1,{D}]",
    () => TransformerBlock.Ln1.Forward(x.AsSpan(0, D), weight, bias, y.AsSpan(0, D)),
    () => { using (no_grad()) { using var scope = NewDisposeScope(); layerNorm.call(input[0].unsqueeze(0)); } });

using var gradOutput = tensor(dy).reshape(rows, D);
Compare($"LayerNorm forward+backward [{rows},{D}]",
    () =>
    {
        TransformerBlock.Ln1.Forward(x, weight, bias, y, mean, rstd);
        TransformerBlock.Ln1.Backward(dy, x, weight, mean, rstd, dx, dWeight, dBias);
    },
    () =>
    {
        using var scope = NewDisposeScope();
        layerNorm.zero_grad();
        var leaf = input.detach().requires_grad_(true);
        layerNorm.call(leaf).backward([gradOutput]);
    });

Console.WriteLine();

// 4. A short real training run: the CNN with LayerNorm over [C,H,W], built once with the generated
//    TorchSharp modules and once with nn.LayerNorm, same seed and data.
Console.WriteLine("Training the CNN (Conv 3→64, LN[64,32,32], ReLU, Conv 64→128, LN[128,32,32], ReLU, pool, Linear 10):");
var (generatedRun, torchSharpRun) = NormGen.Samples.Training.Trainer.Compare(new NormGen.Samples.Training.Models.CnnSample(batch: 8), steps: 16, epochLength: 4);
if (Math.Abs(generatedRun.Losses[^1] - torchSharpRun.Losses[^1]) > 1e-2 * Math.Max(1, Math.Abs(torchSharpRun.Losses[^1])))
{
    Console.WriteLine("  MISMATCH: the two versions' losses differ by more than 1%.");
    return 1;
}

Console.WriteLine("More samples: dotnet run -c Release --project samples/Training -- cnn|transformer|resnet|convnext|all [--steps N]");
Console.WriteLine("Full benchmark: dotnet run -c Release --project tests/NormGen.Benchmarks -- --quick");
return 0;

float[] RandomArray(int length, float offset = 0)
{
    var values = new float[length];
    for (int i = 0; i < length; i++)
    {
        values[i] = offset + (float)(random.NextDouble() * 2 - 1);
    }

    return values;
}

static void Report(string what, double error)
{
    bool ok = error < 1e-3;
    Console.WriteLine($"  {what}: max |error| = {error:E2}  {(ok ? "OK" : "MISMATCH")}");
    if (!ok)
    {
        Environment.Exit(1);
    }
}

static double MaxError(float[] actual, double[] expected)
{
    double max = 0;
    for (int i = 0; i < actual.Length; i++)
    {
        max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
    }

    return max;
}

static double[] ReferenceLayerNorm(float[] x, float[] w, float[] b)
{
    int d = w.Length;
    var y = new double[x.Length];
    for (int row = 0; row < x.Length / d; row++)
    {
        (double m, double r) = Statistics(x.AsSpan(row * d, d), TransformerBlock.Ln1.Epsilon);
        for (int i = 0; i < d; i++)
        {
            y[row * d + i] = (x[row * d + i] - m) * r * w[i] + b[i];
        }
    }

    return y;
}

static double[] ReferenceLayerNormGradInput(float[] x, float[] dy, float[] w)
{
    int d = w.Length;
    var dx = new double[x.Length];
    for (int row = 0; row < x.Length / d; row++)
    {
        (double m, double r) = Statistics(x.AsSpan(row * d, d), TransformerBlock.Ln1.Epsilon);
        double gMean = 0, gxMean = 0;
        for (int i = 0; i < d; i++)
        {
            double g = dy[row * d + i] * w[i];
            gMean += g / d;
            gxMean += g * (x[row * d + i] - m) * r / d;
        }

        for (int i = 0; i < d; i++)
        {
            double xhat = (x[row * d + i] - m) * r;
            dx[row * d + i] = r * (dy[row * d + i] * w[i] - gMean - xhat * gxMean);
        }
    }

    return dx;
}

static double[] ReferenceRmsNorm(float[] x, float[] w, double eps)
{
    int d = w.Length;
    var y = new double[x.Length];
    for (int row = 0; row < x.Length / d; row++)
    {
        double squares = 0;
        for (int i = 0; i < d; i++)
        {
            squares += (double)x[row * d + i] * x[row * d + i];
        }

        double r = 1 / Math.Sqrt(squares / d + eps);
        for (int i = 0; i < d; i++)
        {
            y[row * d + i] = x[row * d + i] * r * w[i];
        }
    }

    return y;
}

static (double Mean, double Rstd) Statistics(ReadOnlySpan<float> row, double eps)
{
    double mean = 0, squares = 0;
    foreach (float v in row)
    {
        mean += v;
    }

    mean /= row.Length;
    foreach (float v in row)
    {
        squares += (v - mean) * (v - mean);
    }

    return (mean, 1 / Math.Sqrt(squares / row.Length + eps));
}

// The two implementations take turns, call for call, so a slow spell of the machine lands on both alike.
static void Compare(string name, Action normGen, Action torchSharp)
{
    for (int i = 0; i < 5; i++)
    {
        normGen();
        torchSharp();
    }

    var ours = new System.Collections.Generic.List<double>();
    var theirs = new System.Collections.Generic.List<double>();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < 0.8 || ours.Count < 7)
    {
        ours.Add(Microseconds(normGen));
        theirs.Add(Microseconds(torchSharp));
    }

    double oursMedian = Median(ours), theirsMedian = Median(theirs);
    Console.WriteLine($"  {name,-34} {oursMedian,8:F1}µs {theirsMedian,9:F1}µs {theirsMedian / oursMedian,7:F1}×");

    static double Microseconds(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    static double Median(System.Collections.Generic.List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
