using System;
using System.IO;
using Xunit;

namespace NormGen.Analyzers.Tests;

/// <summary>
/// The code fixes as <c>dotnet format analyzers --diagnostics</c> applies them to a real project on
/// disk: the analyzer and code-fix assemblies loaded the way a package delivers them.
/// </summary>
[Trait("Category", "DotNetFormat")]
public sealed class DotNetFormatTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("normgen-format-").FullName;

    [Fact]
    public void Dotnet_format_applies_the_fixes_of_the_requested_rules_only()
    {
        WriteProject();
        File.WriteAllText(Path.Combine(_folder, "Model.cs"), """
            using TorchSharp;
            using static TorchSharp.torch;

            static class Blocks
            {
                public static object Norm() => nn.GroupNorm(32, 48);
                public static object Stem() => nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64, momentum: 0.99));
            }
            """);

        (int exitCode, string output) = Run("format", "analyzers", "Pitfalls.csproj", "--diagnostics", "NGA001", "NGA007", "--severity", "info", "-v", "diag");
        Assert.True(exitCode == 0, output);

        string fixedSource = File.ReadAllText(Path.Combine(_folder, "Model.cs"));
        Assert.Contains("nn.GroupNorm(24, 48)", fixedSource);
        Assert.Contains("nn.Conv2d(3, 64, 3, bias: false)", fixedSource);
        // NGA002 was not requested: its momentum stays.
        Assert.Contains("momentum: 0.99", fixedSource);
    }

    [Fact]
    public void Dotnet_format_applies_fixes_that_rewrite_other_declarations_and_add_usings()
    {
        WriteProject();
        File.WriteAllText(Path.Combine(_folder, "Model.cs"), """
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            sealed class Mlp : nn.Module<Tensor, Tensor>
            {
                private readonly Linear fc = nn.Linear(16, 48, hasBias: false);
                private readonly BatchNorm1d bn = nn.BatchNorm1d(48);

                public Mlp() : base("mlp") => RegisterComponents();

                public override Tensor forward(Tensor x) => bn.forward(fc.forward(x));
            }
            """);
        File.WriteAllText(Path.Combine(_folder, "Training.cs"), """
            using TorchSharp;
            using static TorchSharp.torch;

            static class Training
            {
                public static void Step()
                {
                    var model = new Mlp();
                    var optimizer = optim.AdamW(model.parameters(), weight_decay: 0.05);
                    model.call(torch.randn(1, 16)).sum().backward();
                    optimizer.step();
                }
            }
            """);

        (int exitCode, string output) = Run("format", "analyzers", "Pitfalls.csproj", "--diagnostics", "NGA014", "NGA015", "--severity", "info", "-v", "diag");
        Assert.True(exitCode == 0, output);

        // NGA014: the BatchNorm in the other file becomes a GroupNorm, its field retyped.
        string model = File.ReadAllText(Path.Combine(_folder, "Model.cs"));
        Assert.Contains("private readonly GroupNorm bn = nn.GroupNorm(24, 48);", model);

        // NGA015: two parameter groups of AdamW's own type; Where needs System.Linq, which is added.
        string training = File.ReadAllText(Path.Combine(_folder, "Training.cs"));
        Assert.Contains("using System.Linq;", training);
        Assert.Contains("optim.AdamW(new TorchSharp.Modules.AdamW.ParamGroup[]", training);
        Assert.Contains("new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },", training);
        Assert.Contains("}, weight_decay: 0.05);", training);

        // The fixed project builds.
        (int buildExitCode, string buildOutput) = Run("build", "Pitfalls.csproj", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.True(buildExitCode == 0, buildOutput);
    }

    /// <summary>A project that loads the analyzers and code fixes the way the package delivers them.</summary>
    private void WriteProject()
    {
        string analyzers = Path.Combine(AppContext.BaseDirectory, "NormGen.Analyzers.dll");
        string codeFixes = Path.Combine(AppContext.BaseDirectory, "NormGen.Analyzers.CodeFixes.dll");
        File.WriteAllText(Path.Combine(_folder, "Pitfalls.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="TorchSharp" HintPath="{TestReferences.TorchSharpPath}" />
                <Analyzer Include="{analyzers}" />
                <Analyzer Include="{codeFixes}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_folder, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(_folder, "Directory.Packages.props"), "<Project />");
    }

    private (int ExitCode, string Output) Run(params string[] arguments) =>
        DotNetCommand.Run(_folder, TimeSpan.FromMinutes(3), arguments);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
