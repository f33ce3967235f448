using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.ZeroInitializedGainAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA004_ZeroInitializedGainTests
{
    [Fact]
    public Task Every_way_of_zeroing_a_norm_gain_is_flagged() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        class Stem : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(3, 64, 3, padding: 1, bias: false);
            private readonly BatchNorm2d bn = nn.BatchNorm2d(64);
            private readonly GroupNorm gn = nn.GroupNorm(8, 64);
            private readonly LayerNorm ln = nn.LayerNorm(64);
            private readonly InstanceNorm2d inorm = nn.InstanceNorm2d(64, affine: true);

            public Stem() : base("stem")
            {
                RegisterComponents();
                using (torch.no_grad())
                {
                    {|NGA004:nn.init.zeros_(bn.weight)|};
                    {|NGA004:nn.init.constant_(gn.weight, 0)|};
                    {|NGA004:ln.weight.fill_(0.0)|};
                    {|NGA004:inorm.weight.zero_()|};
                }
            }

            public override Tensor forward(Tensor x) => ln.forward(gn.forward(bn.forward(conv.forward(x))));
        }
        """);

    [Fact]
    public Task Usual_initialization_biases_other_weights_and_marked_zero_gamma_residuals_are_left_alone() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        class Bottleneck : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv1 = nn.Conv2d(256, 64, 1, bias: false);
            private readonly BatchNorm2d bn1 = nn.BatchNorm2d(64);
            private readonly Conv2d conv3 = nn.Conv2d(64, 256, 1, bias: false);
            private readonly BatchNorm2d bn3 = nn.BatchNorm2d(256);
            private readonly BatchNorm2d residualNorm = nn.BatchNorm2d(256);
            private readonly Linear head = nn.Linear(256, 10);

            public Bottleneck(bool zero_init_residual) : base("bottleneck")
            {
                RegisterComponents();
                using var _ = torch.no_grad();
                nn.init.ones_(bn1.weight);
                nn.init.zeros_(bn1.bias);
                nn.init.constant_(bn3.weight, 1);
                bn1.weight.fill_(1);
                bn1.bias.zero_();
                nn.init.zeros_(head.weight);
                nn.init.kaiming_normal_(conv1.weight);
                nn.init.zeros_(residualNorm.weight);
                if (zero_init_residual)
                {
                    nn.init.zeros_(bn3.weight);
                }

                // Zero-init residual: the block starts as the identity (Goyal et al. 2017).
                nn.init.constant_(bn3.weight, 0);
                bn3.weight.zero_(); // zero-γ residual
            }

            public override Tensor forward(Tensor x) =>
                head.forward(residualNorm.forward(bn3.forward(conv3.forward(bn1.forward(conv1.forward(x))))));
        }
        """);

    [Fact]
    public Task Residual_norm_names_can_be_listed_in_editorconfig() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        static class Init
        {
            public static void Apply(BatchNorm2d bn2, BatchNorm2d bn1)
            {
                nn.init.zeros_(bn2.weight);
                {|NGA004:nn.init.zeros_(bn1.weight)|};
            }
        }
        """, editorConfig: "normgen.nga004.residual_norm_names = bn2, bn3\n");

    [Fact]
    public Task Fix_initializes_to_one_in_every_form() => Verifier.CodeFixAsync<ZeroInitializedGainCodeFixProvider>("""
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        static class Init
        {
            public static void Apply(BatchNorm2d bn, GroupNorm gn, LayerNorm ln)
            {
                {|NGA004:nn.init.zeros_(bn.weight)|}; // γ
                {|NGA004:nn.init.constant_(gn.weight, 0.0)|};
                {|NGA004:ln.weight.fill_(0)|};
                {|NGA004:bn.weight.zero_()|};
            }
        }
        """, """
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        static class Init
        {
            public static void Apply(BatchNorm2d bn, GroupNorm gn, LayerNorm ln)
            {
                nn.init.ones_(bn.weight); // γ
                nn.init.constant_(gn.weight, 1.0);
                ln.weight.fill_(1);
                bn.weight.fill_(1);
            }
        }
        """);
}
