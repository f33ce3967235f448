using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.BatchNormOverSequencesAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA013_BatchNormOverSequencesTests
{
    [Fact]
    public Task BatchNorm1d_in_a_sequence_model_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class TextClassifier : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(10000, 128);
            private readonly BatchNorm1d norm = {|NGA013:nn.BatchNorm1d(128)|};
            private readonly Linear head = nn.Linear(128, 2);

            public TextClassifier() : base(nameof(TextClassifier)) => RegisterComponents();

            public override Tensor forward(Tensor tokens)
            {
                var x = embedding.forward(tokens);            // [B, T, D]
                var shape = x.shape;
                x = norm.forward(x.reshape(-1, shape[2])).reshape(shape);
                return head.forward(x.mean(new long[] { 1 }));
            }
        }
        """);

    [Fact]
    public Task BatchNorm_in_vision_models_and_LayerNorm_in_sequence_models_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class TextClassifier : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(10000, 128);
            private readonly LayerNorm norm = nn.LayerNorm(128);

            public TextClassifier() : base(nameof(TextClassifier)) => RegisterComponents();

            public override Tensor forward(Tensor tokens) => norm.forward(embedding.forward(tokens));
        }

        sealed class Tabular : nn.Module<Tensor, Tensor>
        {
            private readonly Sequential mlp = nn.Sequential(nn.Linear(32, 64, hasBias: false), nn.BatchNorm1d(64), nn.ReLU());

            public Tabular() : base(nameof(Tabular)) => RegisterComponents();

            public override Tensor forward(Tensor x) => mlp.forward(x);
        }
        """);

    [Fact]
    public Task Fix_uses_LayerNorm_with_the_same_features_and_eps() => Verifier.CodeFixAsync<BatchNormOverSequencesCodeFixProvider>(Models.Usings + """
        sealed class Tagger : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(5000, 256);
            private readonly BatchNorm1d norm = {|NGA013:nn.BatchNorm1d(256, eps: 1e-6, momentum: 0.01)|}; // per token
            private readonly nn.Module<Tensor, Tensor> other = {|NGA013:torch.nn.BatchNorm1d(256)|};

            public Tagger() : base(nameof(Tagger)) => RegisterComponents();

            public override Tensor forward(Tensor tokens) => embedding.forward(tokens);
        }
        """, Models.Usings + """
        sealed class Tagger : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(5000, 256);
            private readonly LayerNorm norm = nn.LayerNorm(256, eps: 1e-6); // per token
            private readonly nn.Module<Tensor, Tensor> other = torch.nn.LayerNorm(256);

            public Tagger() : base(nameof(Tagger)) => RegisterComponents();

            public override Tensor forward(Tensor tokens) => embedding.forward(tokens);
        }
        """);
}
