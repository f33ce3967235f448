using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.TrainingAfterEvalAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA006_TrainingAfterEvalTests
{
    private const string Trainer = """
        sealed class Trainer
        {
            private readonly ConvNet model = new ConvNet();
            private readonly LayerNormNet transformer = new LayerNormNet();
            private readonly Tensor images = torch.randn(8, 1, 28, 28);
            private readonly Tensor labels = torch.zeros(8, dtype: ScalarType.Int64);

        """;

    [Fact]
    public Task Training_steps_reached_by_an_eval_are_flagged() => Verifier.AnalyzerAsync(Models.Usings + Trainer + """
            public void EvaluateEveryEpoch(int epochs)
            {
                var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    for (int step = 0; step < 100; step++)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.cross_entropy(model.call(images), labels);
                        {|NGA006:loss.backward()|};
                        optimizer.step();
                    }

                    model.eval();
                    using (torch.no_grad())
                    {
                        Console.WriteLine(model.call(images).argmax(1).eq(labels).sum().item<long>());
                    }
                }
            }

            public void FineTuneAfterCheckingBaseline()
            {
                model.eval();
                using (torch.no_grad())
                {
                    Console.WriteLine(model.call(images).sum().item<float>());
                }

                var optimizer = optim.Adam(model.parameters());
                foreach (int step in new[] { 1, 2, 3 })
                {
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.forward(images), labels);
                    {|NGA006:loss.backward()|};
                    optimizer.step();
                }
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Loops_that_switch_back_to_train_and_other_training_code_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + Trainer + """
            public void Fit(int epochs)
            {
                var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    model.train();
                    for (int step = 0; step < 100; step++)
                    {
                        optimizer.zero_grad();
                        var loss = nn.functional.cross_entropy(model.call(images), labels);
                        loss.backward();
                        optimizer.step();
                    }

                    model.eval();
                    using (torch.no_grad())
                    {
                        Console.WriteLine(model.call(images).sum().item<float>());
                    }
                }
            }

            public void SwitchesBackBeforeTraining()
            {
                model.eval();
                using (torch.no_grad()) { model.call(images); }
                model.train(true);
                var optimizer = optim.Adam(model.parameters());
                var loss = nn.functional.cross_entropy(model.call(images), labels);
                loss.backward();
                optimizer.step();
            }

            public void NoModeDependentLayers(int epochs)
            {
                var optimizer = optim.Adam(transformer.parameters());
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    var loss = transformer.call(images).sum();
                    loss.backward();
                    optimizer.step();
                    transformer.eval();
                }
            }

            // Gradients for a saliency map: backward without an optimizer step is not training.
            public Tensor Saliency()
            {
                model.eval();
                var input = images.detach().requires_grad_(true);
                model.call(input).sum().backward();
                return input.grad!;
            }

            public void RunTimeMode(bool training)
            {
                model.eval();
                model.train(training);
                var optimizer = optim.Adam(model.parameters());
                model.call(images).sum().backward();
                optimizer.step();
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task A_model_evaluated_in_an_earlier_loop_does_not_make_another_models_step_a_finding() => Verifier.AnalyzerAsync(Models.Usings + Trainer + """
            public void TrainBothModels(int epochs)
            {
                var optimizer = optim.SGD(model.parameters(), 0.1);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    model.train();
                    optimizer.zero_grad();
                    nn.functional.cross_entropy(model.call(images), labels).backward();
                    optimizer.step();
                    model.eval();
                    Console.WriteLine(model.call(images).sum().item<float>());
                }

                // The transformer's own step: the ConvNet's loop above has finished.
                var adam = optim.AdamW(transformer.parameters(), lr: 3e-4);
                adam.zero_grad();
                transformer.call(torch.randn(8, 16)).pow(2).mean().backward();
                adam.step();
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Fix_puts_train_at_the_start_of_the_epoch_or_before_the_training_code() => Verifier.CodeFixAsync<TrainingAfterEvalCodeFixProvider>(Models.Usings + Trainer + """
            public void EvaluateEveryEpoch(int epochs)
            {
                var optimizer = optim.SGD(model.parameters(), 0.1);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    // Training.
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(images), labels);
                    {|NGA006:loss.backward()|};
                    optimizer.step();

                    model.eval();
                    using (torch.no_grad()) { model.call(images); }
                }
            }

            public void FineTune()
            {
                model.eval();
                using (torch.no_grad()) { model.call(images); }

                var optimizer = optim.Adam(model.parameters());
                var loss = nn.functional.cross_entropy(model.forward(images), labels);
                {|NGA006:loss.backward()|};
                optimizer.step();
            }
        }
        """ + Models.ConvNets, Models.Usings + Trainer + """
            public void EvaluateEveryEpoch(int epochs)
            {
                var optimizer = optim.SGD(model.parameters(), 0.1);
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    model.train();
                    // Training.
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(images), labels);
                    loss.backward();
                    optimizer.step();

                    model.eval();
                    using (torch.no_grad()) { model.call(images); }
                }
            }

            public void FineTune()
            {
                model.eval();
                using (torch.no_grad()) { model.call(images); }

                var optimizer = optim.Adam(model.parameters());
                model.train();
                var loss = nn.functional.cross_entropy(model.forward(images), labels);
                loss.backward();
                optimizer.step();
            }
        }
        """ + Models.ConvNets);
}
