using System.Threading.Tasks;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.LayerNormFixedResolutionAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA012_LayerNormFixedResolutionTests
{
    [Fact]
    public Task LayerNorm_over_channels_and_fixed_spatial_extents_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            private const long Size = 32;

            public static object Image() => nn.LayerNorm({|NGA012:new long[] { 64, 32, 32 }|});
            public static object Volume() => nn.LayerNorm({|NGA012:new long[] { 8, 4, Size, Size }|}, eps: 1e-6);
        }
        """);

    [Fact]
    public Task Feature_and_sequence_norms_and_computed_shapes_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Blocks
        {
            public static object Features() => nn.LayerNorm(768);
            public static object FeatureArray() => nn.LayerNorm(new long[] { 768 });
            public static object Sequence() => nn.LayerNorm(new long[] { 16, 768 });
            public static object Computed(long h, long w) => nn.LayerNorm(new long[] { 64, h, w });
            public static object GroupNormInstead() => nn.GroupNorm(1, 64);
        }
        """);
}
