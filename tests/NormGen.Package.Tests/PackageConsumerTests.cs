using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NormGen.Package.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Package.Tests;

/// <summary>
/// Projects outside the repository that add the packed NormGen by PackageReference get the runtime,
/// the generator, the analyzer and unsafe code turned on, with no other setup.
/// </summary>
[Collection(PackedNormGenCollection.Name)]
[Trait("Category", "Package")]
public class PackageConsumerTests(PackedNormGen package, ITestOutputHelper log)
{
    private const string TargetFramework = "net10.0";

    /// <summary>Model.cs and Program.cs from the Consumer folder: a model with LayerNorm and RMSNorm, and a check against float64.</summary>
    private static IReadOnlyDictionary<string, string> CheckedConsumerSources { get; } =
        new[] { "Model.cs", "Program.cs" }.ToDictionary(
            name => name,
            name => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumer", name)));

    [Fact]
    public void Generated_kernels_build_run_and_match_a_float64_reference_in_a_package_consumer()
    {
        var workspace = new ConsumerWorkspace(package, "direct");
        string project = workspace.AddProject("Consumer", workspace.PackageConsumerProject(), CheckedConsumerSources);

        CommandResult build = Logged(workspace.Build(project));
        Assert.True(build.Succeeded, build.Describe());
        AssertNoWarningsFromNormGen(build);
        Assert.True(
            Directory.Exists(workspace.RestoredPackageDirectory),
            $"NormGen {package.Version} was not restored from the package source into {workspace.PackagesDirectory}.");

        CommandResult run = Logged(workspace.Run(OutputAssembly(project)));
        Assert.True(run.Succeeded, run.Describe());
        Assert.Equal("OK", run.Output.Trim());
    }

    [Fact]
    public void Analyzer_in_the_package_fails_the_build_with_NG0009_at_an_attribute_with_negative_eps()
    {
        var workspace = new ConsumerWorkspace(package, "invalid");
        const string Model = """
            using NormGen;

            namespace Consumer;

            [TensorLayout("B,T,D")]
            [LayerNorm("ln", Axes = "D", Shape = [100], Eps = -1)]
            public partial class Model
            {
            }
            """;
        int attributeLine = Model.Split('\n').ToList().FindIndex(line => line.Contains("Eps = -1")) + 1;
        string project = workspace.AddProject(
            "Consumer",
            workspace.PackageConsumerProject(),
            new Dictionary<string, string> { ["Model.cs"] = Model, ["Program.cs"] = "System.Console.WriteLine(\"built\");\n" });

        CommandResult build = Logged(workspace.Build(project));

        Assert.False(build.TimedOut, build.Describe());
        Assert.True(build.ExitCode != 0, "The build succeeded. " + build.Describe());
        int[] reportedLines = Regex.Matches(build.Output, @"Model\.cs\((?<line>\d+),\d+\): error NG0009:")
            .Select(m => int.Parse(m.Groups["line"].Value))
            .ToArray();
        Assert.True(reportedLines.Length > 0, "No NG0009 error on Model.cs. " + build.Describe());
        Assert.All(reportedLines, line => Assert.Equal(attributeLine, line));
    }

    [Fact]
    public void A_project_that_gets_NormGen_through_a_library_gets_the_generator_and_unsafe_code_too()
    {
        var workspace = new ConsumerWorkspace(package, "transitive");
        workspace.AddProject(
            "Layers",
            $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>{TargetFramework}</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="NormGen" Version="{package.Version}" />
              </ItemGroup>
            </Project>
            """,
            new Dictionary<string, string> { ["Layers.cs"] = "namespace Layers;\n\npublic static class Library\n{\n}\n" });
        string app = workspace.AddProject(
            "Consumer",
            $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{TargetFramework}</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Layers/Layers.csproj" />
              </ItemGroup>
            </Project>
            """,
            CheckedConsumerSources);

        CommandResult build = Logged(workspace.Build(app));
        Assert.True(build.Succeeded, build.Describe());

        CommandResult run = Logged(workspace.Run(OutputAssembly(app)));
        Assert.True(run.Succeeded, run.Describe());
        Assert.Equal("OK", run.Output.Trim());
    }

    private static string OutputAssembly(string project) => Path.Combine(
        Path.GetDirectoryName(project)!, "bin", "Release", TargetFramework, Path.GetFileNameWithoutExtension(project) + ".dll");

    // The generated code must compile cleanly in a nullable-enabled project; NuGet's own warnings
    // (an unreachable vulnerability feed, say) are not the package's to answer for.
    private static void AssertNoWarningsFromNormGen(CommandResult build)
    {
        string[] warnings = build.Output.Split('\n')
            .Where(line => line.Contains(": warning ", StringComparison.Ordinal))
            .Where(line => line.Contains(" NG0", StringComparison.Ordinal) || line.Contains(".g.cs(", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        Assert.True(warnings.Length == 0, "NormGen warnings:\n" + string.Join("\n", warnings));
    }

    private CommandResult Logged(CommandResult result)
    {
        log.WriteLine(result.Describe());
        return result;
    }
}
