using System.Threading.Tasks;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.DropoutBeforeBatchNormAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA009_DropoutBeforeBatchNormTests
{
    [Fact]
    public Task Dropout_feeding_batch_norm_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Heads
        {
            public static Sequential Mlp() => nn.Sequential(
                nn.Linear(256, 128, hasBias: false),
                nn.ReLU(),
                nn.Dropout(0.5),
                {|NGA009:nn.BatchNorm1d(128)|},
                nn.Linear(128, 10));

            public static Sequential Named() => nn.Sequential(
                ("drop", nn.Dropout()),
                ("bn", {|NGA009:nn.BatchNorm2d(64)|}));
        }
        """);

    [Fact]
    public Task Dropout_after_the_norm_or_not_adjacent_is_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Heads
        {
            public static Sequential Mlp() => nn.Sequential(
                nn.Linear(256, 128, hasBias: false),
                nn.BatchNorm1d(128),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(128, 10));

            public static Sequential Separated() => nn.Sequential(nn.Dropout(0.1), nn.Linear(64, 64, hasBias: false), nn.BatchNorm1d(64));

            public static Sequential Disabled() => nn.Sequential(nn.Dropout(0.0), nn.BatchNorm1d(64));

            // Channel dropout and LayerNorm are outside this rule.
            public static Sequential Spatial() => nn.Sequential(nn.Dropout2d(0.1), nn.BatchNorm2d(64), nn.Dropout(0.1), nn.LayerNorm(64));
        }
        """);
}
