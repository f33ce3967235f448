using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.BiasBeforeBatchNormAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA007_BiasBeforeBatchNormTests
{
    [Fact]
    public Task Biased_conv_or_linear_right_before_batch_norm_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            public static Sequential Vgg() => nn.Sequential(
                {|NGA007:nn.Conv2d(3, 64, 3, padding: 1)|},
                nn.BatchNorm2d(64),
                nn.ReLU(),
                {|NGA007:nn.Conv2d(64, 64, 3, padding: 1, bias: true)|},
                nn.BatchNorm2d(64),
                nn.ReLU());

            public static Sequential Named() => nn.Sequential(
                ("fc", {|NGA007:nn.Linear(256, 128)|}),
                ("bn", nn.BatchNorm1d(128)),
                ("act", nn.ReLU()));

            public static Sequential Audio() => nn.Sequential({|NGA007:nn.Conv1d(1, 16, 5)|}, nn.BatchNorm1d(16));
        }
        """);

    [Fact]
    public Task Bias_off_other_norms_and_layers_in_between_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            public static Sequential ResNetStem() => nn.Sequential(
                nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false),
                nn.BatchNorm2d(64),
                nn.ReLU(),
                nn.Linear(64, 64, hasBias: false),
                nn.BatchNorm1d(64));

            // GroupNorm and LayerNorm: a bias before them is not cancelled per channel in general.
            public static Sequential ConvNeXt() => nn.Sequential(
                nn.Conv2d(3, 96, 4, stride: 4),
                nn.GroupNorm(1, 96),
                nn.Linear(96, 384),
                nn.LayerNorm(384));

            // An activation in between: the bias is not cancelled.
            public static Sequential PreActivation() => nn.Sequential(
                nn.Conv2d(3, 64, 3),
                nn.ReLU(),
                nn.BatchNorm2d(64));

            // BatchNorm first, then the biased layer.
            public static Sequential Head() => nn.Sequential(nn.BatchNorm1d(64), nn.Linear(64, 10));

            public static Sequential RunTime(bool bias) => nn.Sequential(nn.Linear(64, 64, hasBias: bias), nn.BatchNorm1d(64));
        }
        """);

    [Fact]
    public Task Fix_turns_the_bias_off_and_fixes_all() => Verifier.CodeFixAsync<BiasBeforeBatchNormCodeFixProvider>(Models.Usings + """
        static class Blocks
        {
            public static Sequential Vgg() => nn.Sequential(
                {|NGA007:nn.Conv2d(3, 64, 3, padding: 1)|},
                nn.BatchNorm2d(64),
                {|NGA007:nn.Conv2d(64, 64, 3, bias: true /* on */)|},
                nn.BatchNorm2d(64),
                {|NGA007:nn.Linear(
                    256,
                    64)|},
                nn.BatchNorm1d(64));
        }
        """, Models.Usings + """
        static class Blocks
        {
            public static Sequential Vgg() => nn.Sequential(
                nn.Conv2d(3, 64, 3, padding: 1, bias: false),
                nn.BatchNorm2d(64),
                nn.Conv2d(64, 64, 3, bias: false /* on */),
                nn.BatchNorm2d(64),
                nn.Linear(
                    256,
                    64, hasBias: false),
                nn.BatchNorm1d(64));
        }
        """);
}
