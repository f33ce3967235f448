using System;
using System.Collections.Generic;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks
{
    /// <summary>A ResNet-style BatchNorm2d over a 64-channel 32×32 feature map, in NCHW and in NHWC (channels-last).</summary>
    [BatchNorm("bn2d", Layout = "N,C=64,H=32,W=32")]
    [BatchNorm("bn2dNhwc", Layout = "N,H=32,W=32,C=64")]
    public static partial class BenchmarkNorms
    {
    }
}

namespace NormGen.Benchmarks.Workloads
{
    /// <summary>
    /// The BatchNorm cases. A training case's fwd is the training forward (batch statistics, running statistics
    /// updated) and its fwd+bwd adds the backward through the batch statistics; an evaluation case's fwd normalizes with
    /// the running statistics and its fwd+bwd adds the evaluation-mode backward (training with frozen statistics).
    /// </summary>
    internal static class BatchNormCases
    {
        public static IEnumerable<NormCase> All =>
        [
            Case("BatchNorm2d [32,64,32,32]", channelsLast: false, training: true),
            Case("BatchNorm2d eval [32,64,32,32]", channelsLast: false, training: false),
            Case("BatchNorm2d NHWC [32,32,32,64]", channelsLast: true, training: true),
            Case("BatchNorm2d NHWC eval [32,32,32,64]", channelsLast: true, training: false),
        ];

        private static NormCase Case(string name, bool channelsLast, bool training)
        {
            var layout = new BatchNormLayout(32, 64, 32 * 32, channelsLast, training);
            Func<CaseData, Pass, Workload> normGen = (data, pass) => new BatchNormNormGenWorkload(data, pass, layout);
            Func<CaseData, Pass, Workload> torchSharp = (data, pass) => new BatchNormTorchSharpWorkload(data, pass, layout);
            Func<CaseData, Pass, Workload> tensorPrimitives = (data, pass) => new BatchNormTensorPrimitivesWorkload(data, pass, layout);

            // Both factories make the parameters one per channel: C is the normalized extent.
            return channelsLast
                ? NormCase.Trailing(name, NormKind.LayerNorm, [32, 32, 32, 64], 1, BenchmarkNorms.Bn2dNhwc.Epsilon, normGen, torchSharp, tensorPrimitives)
                : NormCase.ChannelsFirst(name, [32, 64, 32, 32], BenchmarkNorms.Bn2d.Epsilon, normGen, torchSharp, tensorPrimitives);
        }
    }

    /// <summary>How a BatchNorm case lays out its batch, and which mode it measures.</summary>
    internal sealed record BatchNormLayout(int Batch, int Channels, int Spatial, bool ChannelsLast, bool Training)
    {
        /// <summary>The running statistics an evaluation case normalizes with, the same for every implementation.</summary>
        public float[] RunningMean()
        {
            var mean = new float[Channels];
            for (int c = 0; c < Channels; c++)
            {
                mean[c] = 0.4f + 0.004f * c;
            }

            return mean;
        }

        public float[] RunningVar()
        {
            var variance = new float[Channels];
            for (int c = 0; c < Channels; c++)
            {
                variance[c] = 1.2f + 0.01f * c;
            }

            return variance;
        }
    }

    /// <summary>The generated kernels, called as a training loop (or a frozen-statistics fine-tuning loop) calls them.</summary>
    internal sealed class BatchNormNormGenWorkload : Workload
    {
        private readonly CaseData _data;
        private readonly Pass _pass;
        private readonly BatchNormLayout _layout;
        private readonly float[] _runningMean;
        private readonly float[] _runningVar;
        private readonly float[] _output;
        private readonly float[] _mean;
        private readonly float[] _rstd;
        private readonly float[] _gradInput;
        private readonly float[] _gradWeight;
        private readonly float[] _gradBias;
        private long _numBatchesTracked;

        public BatchNormNormGenWorkload(CaseData data, Pass pass, BatchNormLayout layout)
        {
            _data = data;
            _pass = pass;
            _layout = layout;
            _runningMean = layout.RunningMean();
            _runningVar = layout.RunningVar();
            _output = CaseData.Output(data.Input.Length);
            bool backward = pass == Pass.ForwardBackward;
            _mean = CaseData.Output(layout.Channels);
            _rstd = CaseData.Output(layout.Channels);
            _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
            _gradWeight = backward ? CaseData.Output(layout.Channels) : [];
            _gradBias = backward ? CaseData.Output(layout.Channels) : [];
        }

        public override void Run()
        {
            bool backward = _pass == Pass.ForwardBackward;
            if (_layout.ChannelsLast)
            {
                if (_layout.Training)
                {
                    BenchmarkNorms.Bn2dNhwc.ForwardTraining(_data.Input, _data.Weight, _data.Bias, _runningMean, _runningVar, ref _numBatchesTracked, _output, backward ? _mean : default, backward ? _rstd : default);
                    if (backward)
                    {
                        BenchmarkNorms.Bn2dNhwc.Backward(_data.GradOutput, _data.Input, _data.Weight, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
                    }
                }
                else
                {
                    BenchmarkNorms.Bn2dNhwc.ForwardEval(_data.Input, _data.Weight, _data.Bias, _runningMean, _runningVar, _output);
                    if (backward)
                    {
                        BenchmarkNorms.Bn2dNhwc.BackwardEval(_data.GradOutput, _data.Input, _data.Weight, _runningMean, _runningVar, _gradInput, _gradWeight, _gradBias);
                    }
                }

                return;
            }

            if (_layout.Training)
            {
                BenchmarkNorms.Bn2d.ForwardTraining(_data.Input, _data.Weight, _data.Bias, _runningMean, _runningVar, ref _numBatchesTracked, _output, backward ? _mean : default, backward ? _rstd : default);
                if (backward)
                {
                    BenchmarkNorms.Bn2d.Backward(_data.GradOutput, _data.Input, _data.Weight, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
                }
            }
            else
            {
                BenchmarkNorms.Bn2d.ForwardEval(_data.Input, _data.Weight, _data.Bias, _runningMean, _runningVar, _output);
                if (backward)
                {
                    BenchmarkNorms.Bn2d.BackwardEval(_data.GradOutput, _data.Input, _data.Weight, _runningMean, _runningVar, _gradInput, _gradWeight, _gradBias);
                }
            }
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
