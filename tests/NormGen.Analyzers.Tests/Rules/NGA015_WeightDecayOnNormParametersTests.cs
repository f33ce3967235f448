using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.WeightDecayOnNormParametersAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA015_WeightDecayOnNormParametersTests
{
    [Fact]
    public Task Weight_decay_over_all_parameters_of_a_model_with_norms_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Trainer
        {
            private readonly Residual residual = new Residual();

            public void Run()
            {
                var model = new ConvNet();
                var sgd = {|NGA015:optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4)|};
                var adamw = {|NGA015:optim.AdamW(new LayerNormNet().parameters(), weight_decay: 0.05)|};
                var transformer = new LayerNormNet();
                var adam = {|NGA015:optim.Adam(transformer.parameters(), lr: 1e-3, weight_decay: 1e-4)|};
                var nested = {|NGA015:optim.AdamW(residual.parameters(), 3e-4, weight_decay: 0.01)|};
                var head = nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.Linear(64, 10));
                var headOptimizer = {|NGA015:optim.SGD(head.parameters(), 0.01, weight_decay: 1e-4)|};
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task No_decay_groups_models_without_norms_and_unknown_decay_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        using System.Linq;

        static class Trainer
        {
            public static void Run(double decay)
            {
                var model = new ConvNet();
                var plain = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
                var zero = optim.AdamW(model.parameters(), weight_decay: 0);
                var runTime = optim.AdamW(model.parameters(), weight_decay: decay);
                var grouped = optim.AdamW(new AdamW.ParamGroup[]
                {
                    new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
                    new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
                }, weight_decay: 0.05);

                var mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10));
                var noNorms = optim.AdamW(mlp.parameters(), weight_decay: 0.05);
            }
        }
        """ + Models.ConvNets);

    [Fact]
    public Task Fix_splits_the_parameters_into_two_groups_and_the_result_compiles() => Verifier.CodeFixAsync<WeightDecayOnNormParametersCodeFixProvider>(Models.Usings + """
        static class Trainer
        {
            public static void Run()
            {
                var model = new ConvNet();
                var optimizer = {|NGA015:optim.AdamW(model.parameters(), lr: 3e-4, weight_decay: 0.05)|};
                var sgd = {|NGA015:optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4 /* paper */)|};
            }
        }
        """ + Models.ConvNets, """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        static class Trainer
        {
            public static void Run()
            {
                var model = new ConvNet();
                var optimizer = optim.AdamW(new AdamW.ParamGroup[]
                {
                    new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
                    new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
                }, lr: 3e-4, weight_decay: 0.05);
                var sgd = optim.SGD(new SGD.ParamGroup[]
                {
                    new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
                    new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
                }, 0.1, momentum: 0.9, weight_decay: 5e-4 /* paper */);
            }
        }
        """ + Models.ConvNets);
}
