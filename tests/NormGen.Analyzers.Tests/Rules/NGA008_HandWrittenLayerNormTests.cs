using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.HandWrittenLayerNormAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA008_HandWrittenLayerNormTests
{
    [Fact]
    public Task Dividing_a_centered_tensor_by_std_plus_eps_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class LayerNorm1d : nn.Module<Tensor, Tensor>
        {
            private readonly Parameter gamma = new Parameter(torch.ones(64));
            private readonly Parameter beta = new Parameter(torch.zeros(64));
            private const double Eps = 1e-6;

            public LayerNorm1d() : base("ln") => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                var mean = x.mean(new long[] { -1 }, keepdim: true);
                return gamma * (x - mean) / ({|NGA008:x.std(-1, keepdim: true) + Eps|}) + beta;
            }

            public static Tensor Biased(Tensor x) =>
                (x - x.mean(new long[] { -1 }, keepdim: true)) / ({|NGA008:x.std(-1, unbiased: false, keepdim: true) + 1e-5|});

            public static Tensor ThroughLocals(Tensor x)
            {
                var mu = x.mean(new long[] { -1 }, keepdim: true);
                var sigma = x.std(-1, keepdim: true);
                return (x - mu) / ({|NGA008:sigma + 1e-5|});
            }
        }
        """);

    [Fact]
    public Task Correct_normalizations_and_other_divisions_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Norms
        {
            public static Tensor LayerNorm(Tensor x, double eps)
            {
                var mean = x.mean(new long[] { -1 }, keepdim: true);
                var variance = x.var(-1, unbiased: false, keepdim: true);
                return (x - mean) / (variance + eps).sqrt();
            }

            public static Tensor Rsqrt(Tensor x) =>
                (x - x.mean(new long[] { -1 }, keepdim: true)) * torch.rsqrt(x.var(-1, unbiased: false, keepdim: true) + 1e-5);

            public static Tensor Functional(Tensor x) => nn.functional.layer_norm(x, new long[] { 64 });

            // Standardizing a feature column for a statistics report, not centering: no subtraction on top.
            public static Tensor CoefficientOfVariation(Tensor x) => x.mean() / (x.std() + 1e-12);

            // Subtraction over a sum of two tensors: not a std + eps denominator.
            public static Tensor Ratio(Tensor a, Tensor b) => (a - b) / (a + b);
        }
        """);

    [Fact]
    public Task Fix_divides_by_the_root_of_the_biased_variance_plus_eps() => Verifier.CodeFixAsync<HandWrittenLayerNormCodeFixProvider>(Models.Usings + """
        static class Norms
        {
            public static Tensor A(Tensor x) =>
                (x - x.mean(new long[] { -1 }, keepdim: true)) / ({|NGA008:x.std(-1, keepdim: true) + 1e-5|});

            public static Tensor B(Tensor x, double eps) =>
                (x - x.mean()) / ({|NGA008:x.std() + eps|}) /* whole tensor */;

            public static Tensor C(Tensor h) =>
                (h - h.mean(new long[] { 1 }, keepdim: true)) / ({|NGA008:h.std(1, true, true) + 1e-6|});
        }
        """, Models.Usings + """
        static class Norms
        {
            public static Tensor A(Tensor x) =>
                (x - x.mean(new long[] { -1 }, keepdim: true)) / (x.var(-1, unbiased: false, keepdim: true) + 1e-5).sqrt();

            public static Tensor B(Tensor x, double eps) =>
                (x - x.mean()) / (x.var(unbiased: false) + eps).sqrt() /* whole tensor */;

            public static Tensor C(Tensor h) =>
                (h - h.mean(new long[] { 1 }, keepdim: true)) / (h.var(1, unbiased: false, keepdim: true) + 1e-6).sqrt();
        }
        """);
}
