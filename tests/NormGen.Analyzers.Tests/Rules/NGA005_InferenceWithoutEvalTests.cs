using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.InferenceWithoutEvalAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA005_InferenceWithoutEvalTests
{
    [Fact]
    public Task Modules_with_batch_norm_or_dropout_run_without_eval_under_no_grad_are_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Evaluator
        {
            private readonly ConvNet model = new ConvNet();
            private readonly Residual residual = new Residual();

            public float Accuracy(Tensor images, Tensor labels)
            {
                using var _ = torch.no_grad();
                var logits = {|NGA005:model.call(images)|};
                var again = model.call(images);
                return logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
            }

            public Tensor AfterTraining(Tensor x)
            {
                model.train();
                using (torch.inference_mode())
                {
                    return {|NGA005:residual.forward(x)|} + {|NGA005:model.forward(x)|};
                }
            }

            public static Tensor Mlp(Tensor x)
            {
                var mlp = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Dropout(0.1), nn.Linear(4, 2));
                using (torch.no_grad())
                {
                    return {|NGA005:mlp.call(x)|};
                }
            }

            public static Tensor Styled(Tensor x)
            {
                var style = nn.Sequential(nn.Conv2d(3, 3, 3), nn.InstanceNorm2d(3, track_running_stats: true));
                using (torch.no_grad())
                {
                    return {|NGA005:style.call(x)|};
                }
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Eval_before_the_block_and_models_without_mode_dependent_layers_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Trainer
        {
            private readonly ConvNet model = new ConvNet();
            private readonly LayerNormNet transformer = new LayerNormNet();

            public void Fit(Tensor images, Tensor labels, int epochs)
            {
                var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    model.train();
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(images), labels);
                    loss.backward();
                    optimizer.step();

                    model.eval();
                    using (torch.no_grad())
                    {
                        var validation = nn.functional.cross_entropy(model.call(images), labels);
                        Console.WriteLine(validation.item<float>());
                    }
                }
            }

            public Tensor Predict(Tensor x)
            {
                model.train(false);
                using var _ = torch.inference_mode();
                return model.call(x);
            }

            public Tensor NoModeDependentLayers(Tensor x)
            {
                using (torch.no_grad())
                {
                    var plain = nn.Sequential(nn.Linear(4, 4), nn.ReLU());
                    var styled = nn.Sequential(nn.Conv2d(3, 3, 3), nn.InstanceNorm2d(3));
                    return transformer.call(x) + plain.call(x) + styled.call(x);
                }
            }

            // The caller decides the mode of a module it passes in.
            public static Tensor Evaluate(ConvNet net, Tensor x)
            {
                using (torch.no_grad())
                {
                    return net.call(x);
                }
            }

            // Gradients on: training, not inference.
            public Tensor Step(Tensor x) => model.call(x);

            public Tensor InferenceModeOff(Tensor x)
            {
                using (torch.inference_mode(false))
                {
                    return model.call(x);
                }
            }

            public Tensor UnknownMode(Tensor x, bool training)
            {
                model.train(training);
                using (torch.no_grad())
                {
                    return model.call(x);
                }
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Parameters_are_checked_when_the_option_asks_for_it() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Evaluation
        {
            public static Tensor Evaluate(ConvNet net, Tensor x)
            {
                using (torch.no_grad())
                {
                    return {|NGA005:net.call(x)|};
                }
            }
        }
        """ + Models.ConvNets, editorConfig: "normgen.nga005.include_parameters = true\n");

    [Fact]
    public Task Fix_inserts_eval_before_the_block_and_fixes_all() => Verifier.CodeFixAsync<InferenceWithoutEvalCodeFixProvider>(Models.Usings + """
        sealed class Evaluator
        {
            private readonly ConvNet model = new ConvNet();

            public Tensor Validate(Tensor x)
            {
                // Validation pass.
                using (torch.no_grad())
                {
                    return {|NGA005:model.call(x)|};
                }
            }

            public Tensor Predict(Tensor x)
            {
                var y = x * 2;
                using var _ = torch.inference_mode();
                return {|NGA005:this.model.forward(y)|};
            }
        }
        """ + Models.ConvNets, Models.Usings + """
        sealed class Evaluator
        {
            private readonly ConvNet model = new ConvNet();

            public Tensor Validate(Tensor x)
            {
                model.eval();
                // Validation pass.
                using (torch.no_grad())
                {
                    return model.call(x);
                }
            }

            public Tensor Predict(Tensor x)
            {
                var y = x * 2;
                this.model.eval();
                using var _ = torch.inference_mode();
                return this.model.forward(y);
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Evaluation_methods_that_never_call_backward_are_flagged_without_no_grad() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Classifier
        {
            private readonly ConvNet model = new ConvNet();
            private readonly LayerNormNet head = new LayerNormNet();

            public Tensor Predict(Tensor images) => {|NGA005:model.call(images)|}.argmax(1);

            public float EvaluateAccuracy(Tensor images, Tensor labels)
            {
                var logits = {|NGA005:model.forward(images)|};
                var again = model.forward(images);
                return logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
            }

            // Switched first, trains, has no mode-dependent layers, or is not named for evaluation: left alone.
            public Tensor PredictSwitched(Tensor images)
            {
                model.eval();
                return model.call(images);
            }

            public void ValidateAndTune(Tensor images)
            {
                model.call(images).sum().backward();
            }

            public Tensor PredictHead(Tensor x) => head.call(x);

            public Tensor Embed(Tensor images) => model.call(images);

            public Func<Tensor, Tensor> Predictor() => x => model.call(x);
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Fix_inserts_eval_before_the_statement_in_an_evaluation_method() => Verifier.CodeFixAsync<InferenceWithoutEvalCodeFixProvider>(Models.Usings + """
        sealed class Classifier
        {
            private readonly ConvNet model = new ConvNet();

            public Tensor Predict(Tensor images)
            {
                var scaled = images / 255;
                return {|NGA005:model.call(scaled)|}.argmax(1);
            }
        }
        """ + Models.ConvNets, Models.Usings + """
        sealed class Classifier
        {
            private readonly ConvNet model = new ConvNet();

            public Tensor Predict(Tensor images)
            {
                var scaled = images / 255;
                model.eval();
                return model.call(scaled).argmax(1);
            }
        }
        """ + Models.ConvNets);
}
