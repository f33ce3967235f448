using System;
using System.Collections.Generic;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks
{
    /// <summary>
    /// A diffusion-UNet-style GroupNorm(8, 64) and a style-transfer-style InstanceNorm2d(64) over a 64-channel 32×32 feature
    /// map, in NCHW and in NHWC (channels-last).
    /// </summary>
    [GroupNorm("gn2d", 8, Layout = "N,C=64,H=32,W=32")]
    [GroupNorm("gn2dNhwc", 8, Layout = "N,H=32,W=32,C=64")]
    [InstanceNorm("in2d", Layout = "N,C=64,H=32,W=32")]
    [InstanceNorm("in2dNhwc", Layout = "N,H=32,W=32,C=64")]
    public static partial class BenchmarkNorms
    {
    }
}

namespace NormGen.Benchmarks.Workloads
{
    /// <summary>The GroupNorm and InstanceNorm cases: fwd is the forward pass, fwd+bwd adds the backward pass.</summary>
    internal static class GroupNormCases
    {
        public static IEnumerable<NormCase> All =>
        [
            Case("GroupNorm(8) [32,64,32,32]", new GroupNormLayout(32, 64, 8, 32 * 32, ChannelsLast: false, Affine: true), BenchmarkNorms.Gn2d.Epsilon),
            Case("GroupNorm(8) NHWC [32,32,32,64]", new GroupNormLayout(32, 64, 8, 32 * 32, ChannelsLast: true, Affine: true), BenchmarkNorms.Gn2dNhwc.Epsilon),
            Case("InstanceNorm2d [32,64,32,32]", new GroupNormLayout(32, 64, 64, 32 * 32, ChannelsLast: false, Affine: false), BenchmarkNorms.In2d.Epsilon),
            Case("InstanceNorm2d NHWC [32,32,32,64]", new GroupNormLayout(32, 64, 64, 32 * 32, ChannelsLast: true, Affine: false), BenchmarkNorms.In2dNhwc.Epsilon),
        ];

        private static NormCase Case(string name, GroupNormLayout layout, float epsilon)
        {
            Func<CaseData, Pass, Workload> normGen = (data, pass) => new GroupNormNormGenWorkload(data, pass, layout);
            Func<CaseData, Pass, Workload> torchSharp = (data, pass) => new GroupNormTorchSharpWorkload(data, pass, layout);
            Func<CaseData, Pass, Workload> tensorPrimitives = (data, pass) => new GroupNormTensorPrimitivesWorkload(data, pass, layout);

            // Both factories make the parameters one per channel: C is the normalized extent.
            return layout.ChannelsLast
                ? NormCase.Trailing(name, NormKind.LayerNorm, [32, 32, 32, 64], 1, epsilon, normGen, torchSharp, tensorPrimitives)
                : NormCase.ChannelsFirst(name, [32, 64, 32, 32], epsilon, normGen, torchSharp, tensorPrimitives);
        }
    }

    /// <summary>How a GroupNorm/InstanceNorm case lays out its batch; InstanceNorm is the case with one group per channel.</summary>
    internal sealed record GroupNormLayout(int Batch, int Channels, int Groups, int Spatial, bool ChannelsLast, bool Affine)
    {
        public bool IsInstanceNorm => Groups == Channels;

        public int ChannelsPerGroup => Channels / Groups;

        public int SampleLength => Channels * Spatial;

        /// <summary>The flat index of element (n, c, s).</summary>
        public int Index(int n, int c, int s) => ChannelsLast ? (n * Spatial + s) * Channels + c : (n * Channels + c) * Spatial + s;
    }

    /// <summary>The generated kernels, called as a training loop calls them.</summary>
    internal sealed class GroupNormNormGenWorkload : Workload
    {
        private readonly CaseData _data;
        private readonly Pass _pass;
        private readonly GroupNormLayout _layout;
        private readonly float[] _output;
        private readonly float[] _mean;
        private readonly float[] _rstd;
        private readonly float[] _gradInput;
        private readonly float[] _gradWeight;
        private readonly float[] _gradBias;

        public GroupNormNormGenWorkload(CaseData data, Pass pass, GroupNormLayout layout)
        {
            _data = data;
            _pass = pass;
            _layout = layout;
            _output = CaseData.Output(data.Input.Length);
            bool backward = pass == Pass.ForwardBackward;
            _mean = CaseData.Output(layout.Batch * layout.Groups);
            _rstd = CaseData.Output(layout.Batch * layout.Groups);
            _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
            _gradWeight = backward ? CaseData.Output(layout.Channels) : [];
            _gradBias = backward ? CaseData.Output(layout.Channels) : [];
        }

        public override void Run()
        {
            float[] x = _data.Input, w = _data.Weight, b = _data.Bias, dy = _data.GradOutput;
            bool backward = _pass == Pass.ForwardBackward;
            switch (_layout.IsInstanceNorm, _layout.ChannelsLast)
            {
                case (false, false):
                    BenchmarkNorms.Gn2d.Forward(x, w, b, _output, _mean, _rstd);
                    if (backward) BenchmarkNorms.Gn2d.Backward(dy, x, w, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
                    break;
                case (false, true):
                    BenchmarkNorms.Gn2dNhwc.Forward(x, w, b, _output, _mean, _rstd);
                    if (backward) BenchmarkNorms.Gn2dNhwc.Backward(dy, x, w, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
                    break;
                case (true, false):
                    BenchmarkNorms.In2d.Forward(x, _output, _mean, _rstd);
                    if (backward) BenchmarkNorms.In2d.Backward(dy, x, _mean, _rstd, _gradInput);
                    break;
                default:
                    BenchmarkNorms.In2dNhwc.Forward(x, _output, _mean, _rstd);
                    if (backward) BenchmarkNorms.In2dNhwc.Backward(dy, x, _mean, _rstd, _gradInput);
                    break;
            }
        }

        public override IReadOnlyDictionary<string, float[]> Capture()
        {
            Run();
            if (_pass == Pass.Forward)
            {
                return new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() };
            }

            var result = new Dictionary<string, float[]> { ["dx"] = (float[])_gradInput.Clone() };
            if (_layout.Affine)
            {
                result["dweight"] = (float[])_gradWeight.Clone();
                result["dbias"] = (float[])_gradBias.Clone();
            }

            return result;
        }
    }
}
