using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Samples.Training;
using NormGen.Samples.Training.Models;
using static TorchSharp.torch;

// Trains real models with NormGen's generated TorchSharp modules, each next to the same model built from
// TorchSharp's own modules, same seed and data:  dotnet run -c Release --project samples/Training -- cnn|transformer|resnet|convnext|all [--steps N]
string which = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
int stepsIndex = Array.IndexOf(args, "--steps");
int? steps = stepsIndex >= 0 && stepsIndex + 1 < args.Length ? int.Parse(args[stepsIndex + 1]) : null;

var samples = new Dictionary<string, (ISample Sample, int Steps)[]>
{
    ["cnn"] = [(new CnnSample(), 30)],
    ["transformer"] = [(new TransformerSample(), 120)],
    ["resnet"] = [(new ResNetSample(groupNorm: false, batch: 32), 100), (new ResNetSample(groupNorm: true, batch: 2), 100)],
    ["convnext"] = [(new ConvNeXtSample(), 100)],
};

if (which != "all" && !samples.ContainsKey(which))
{
    Console.Error.WriteLine($"Unknown sample '{which}'. Choose one of: {string.Join(", ", samples.Keys)}, all.");
    return 1;
}

string waitPolicy = NativeEnvironment.UsePassiveOpenMpThreads();
set_num_threads(Environment.ProcessorCount);
Console.WriteLine($"Training on {Environment.ProcessorCount} cores, libtorch with {get_num_threads()} threads (OMP_WAIT_POLICY={waitPolicy}).");
Console.WriteLine();
foreach ((string name, (ISample Sample, int Steps)[] runs) in samples)
{
    if (which == "all" || which == name)
    {
        foreach ((ISample sample, int defaultSteps) in runs)
        {
            Trainer.Compare(sample, steps ?? defaultSteps);
        }
    }
}

return 0;
