using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks
{
    /// <summary>
    /// A pre-norm transformer block's residual add fused into its LayerNorm (BERT-base / GPT-2 width):
    /// <c>residualOutput = input + residual</c>, then LayerNorm of that sum, in one pass over each row.
    /// </summary>
    [LayerNorm("lnResidual768", Layout = "N,D", Axes = "D", Shape = [768], Residual = true)]
    public static partial class BenchmarkNorms
    {
    }
}

namespace NormGen.Benchmarks.Workloads
{
    /// <summary>The fused residual-add LayerNorm cases, each beside the add-then-LayerNorm the comparisons run.</summary>
    internal static class ResidualCases
    {
        public static IEnumerable<NormCase> All =>
        [
            NormCase.Trailing(
                "LayerNorm+residual [4096,768]", NormKind.LayerNorm, [4096, 768], 1, BenchmarkNorms.LnResidual768.Epsilon,
                static (data, pass) => new ResidualNormGenWorkload(data, pass),
                static (data, pass) => new ResidualTorchSharpWorkload(data, pass),
                static (data, pass) => new ResidualTensorPrimitivesWorkload(data, pass)),
        ];
    }

    /// <summary>The residual stream that the cases add to the input: deterministic, one per <see cref="CaseData"/>, shared by every implementation.</summary>
    internal static class ResidualData
    {
        private static readonly ConditionalWeakTable<CaseData, float[]> Residuals = new();

        public static float[] For(CaseData data) => Residuals.GetValue(data, static d =>
        {
            var random = new Random(20240608);
            float[] residual = GC.AllocateUninitializedArray<float>(d.Input.Length, pinned: true);
            for (int i = 0; i < residual.Length; i++)
            {
                residual[i] = 2f * random.NextSingle() - 1f;
            }

            return residual;
        });
    }

    /// <summary>
    /// The generated fused kernel, called as a training loop calls it: forward writes the updated residual
    /// stream and the normalized output; backward takes the saved sum in place of the input.
    /// </summary>
    internal sealed class ResidualNormGenWorkload : Workload
    {
        private readonly CaseData _data;
        private readonly Pass _pass;
        private readonly float[] _residual;
        private readonly float[] _output;
        private readonly float[] _sum;
        private readonly float[] _mean;
        private readonly float[] _rstd;
        private readonly float[] _gradInput;
        private readonly float[] _gradWeight;
        private readonly float[] _gradBias;

        public ResidualNormGenWorkload(CaseData data, Pass pass)
        {
            _data = data;
            _pass = pass;
            _residual = ResidualData.For(data);
            _output = CaseData.Output(data.Input.Length);
            _sum = CaseData.Output(data.Input.Length);
            bool backward = pass == Pass.ForwardBackward;
            _mean = backward ? CaseData.Output(data.Case.Rows) : [];
            _rstd = backward ? CaseData.Output(data.Case.Rows) : [];
            _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
            _gradWeight = backward ? CaseData.Output(data.Case.RowLength) : [];
            _gradBias = backward ? CaseData.Output(data.Case.RowLength) : [];
        }

        public override void Run()
        {
            if (_pass == Pass.Forward)
            {
                BenchmarkNorms.LnResidual768.Forward(_data.Input, _residual, _data.Weight, _data.Bias, _output, _sum);
                return;
            }

            BenchmarkNorms.LnResidual768.Forward(_data.Input, _residual, _data.Weight, _data.Bias, _output, _sum, _mean, _rstd);
            BenchmarkNorms.LnResidual768.Backward(_data.GradOutput, _sum, _data.Weight, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
        }

        public override IReadOnlyDictionary<string, float[]> Capture()
        {
            Run();
            return _pass == Pass.Forward
                ? new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() }
                : new Dictionary<string, float[]>
                {
                    ["dx"] = (float[])_gradInput.Clone(),
                    ["dweight"] = (float[])_gradWeight.Clone(),
                    ["dbias"] = (float[])_gradBias.Clone(),
                };
        }
    }
}
