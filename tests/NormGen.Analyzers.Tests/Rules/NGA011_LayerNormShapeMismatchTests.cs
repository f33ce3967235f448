using System.Threading.Tasks;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.LayerNormShapeMismatchAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA011_LayerNormShapeMismatchTests
{
    [Fact]
    public Task Shapes_that_contradict_the_previous_layer_are_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            public static Sequential Mlp() => nn.Sequential(nn.Linear(512, 256), nn.LayerNorm({|NGA011:128|}));

            public static Sequential Conv() => nn.Sequential(
                nn.Conv2d(3, 128, 3, padding: 1),
                nn.LayerNorm({|NGA011:new long[] { 64, 32, 32 }|}));

            public static Sequential Tokens() => nn.Sequential(
                ("proj", nn.Linear(768, 1024)),
                ("norm", nn.LayerNorm({|NGA011:new long[] { 16, 768 }|})));
        }
        """);

    [Fact]
    public Task Matching_or_unknown_shapes_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            public static Sequential Mlp() => nn.Sequential(nn.Linear(512, 256), nn.LayerNorm(256), nn.Linear(256, 10));

            public static Sequential Conv() => nn.Sequential(
                nn.Conv2d(3, 64, 3, padding: 1),
                nn.LayerNorm(new long[] { 64, 32, 32 }));

            // After a convolution, a single extent normalizes the width: nothing to compare.
            public static Sequential Width() => nn.Sequential(nn.Conv1d(3, 64, 3), nn.LayerNorm(30));

            public static Sequential Computed(long d) => nn.Sequential(nn.Linear(512, d), nn.LayerNorm(256));

            // Something in between.
            public static Sequential Between() => nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.LayerNorm(256));
        }
        """);
}
