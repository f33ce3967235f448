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

    [Fact]
    public Task Consecutive_module_calls_in_forward_are_checked_too() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(256, 128);
            private readonly LayerNorm ln = nn.LayerNorm(64);
            private readonly Conv2d conv;
            private readonly LayerNorm spatial;

            public Block() : base(nameof(Block))
            {
                conv = nn.Conv2d(3, 128, 3, padding: 1);
                spatial = nn.LayerNorm(new long[] { 64, 32, 32 });
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                var y = {|NGA011:ln.forward(fc.forward(x))|};
                var h = conv.forward(x);
                h = {|NGA011:spatial.forward(h)|};
                x = fc.forward(x);
                x = {|NGA011:ln.call(x)|};
                return x + y + h;
            }
        }
        """);

    [Fact]
    public Task Calls_that_match_or_are_not_consecutive_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(256, 128);
            private readonly Linear wide = nn.Linear(128, 64);
            private readonly LayerNorm ln = nn.LayerNorm(128);
            private readonly LayerNorm narrow = nn.LayerNorm(64);

            public Block() : base(nameof(Block)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                var y = ln.forward(fc.forward(x));
                var h = fc.forward(x);
                if (x.shape[0] > 1)
                {
                    h = wide.forward(h);
                }

                // h is 128 or 64 wide here: which one is not known.
                var z = narrow.forward(h);
                var g = nn.functional.gelu(fc.forward(x));
                return ln.forward(g) + narrow.forward(wide.forward(y)) + z;
            }
        }
        """);
}
