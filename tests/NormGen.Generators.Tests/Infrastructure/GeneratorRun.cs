using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generators.Model;
using Xunit;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>
/// One run of <see cref="NormGenerator"/> through a <see cref="CSharpGeneratorDriver"/>, with what it
/// produced: the generated files, exceptions and diagnostics, and the compilation with the output added.
/// </summary>
internal sealed class GeneratorRun
{
    private GeneratorRun(Compilation input, Compilation output, GeneratorDriver driver)
    {
        Input = input;
        Output = output;
        Driver = driver;
        Result = driver.GetRunResult().Results.Single();
    }

    public Compilation Input { get; }

    /// <summary>The input compilation with the generated files added.</summary>
    public Compilation Output { get; }

    /// <summary>The driver after the run; run it again on an edited compilation to test caching.</summary>
    public GeneratorDriver Driver { get; }

    public GeneratorRunResult Result { get; }

    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.GeneratedSources;

    /// <summary>A driver that records every incremental step, as the caching tests need.</summary>
    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new NormGenerator().AsSourceGenerator()],
        parseOptions: TestCompilation.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static async Task<GeneratorRun> OfAsync(string source, bool allowUnsafe = true) =>
        Of(await TestCompilation.CreateAsync(source, allowUnsafe));

    public static async Task<GeneratorRun> OfAsync(string[] sources, bool allowUnsafe = true) =>
        Of(await TestCompilation.CreateAsync(sources, allowUnsafe));

    public static GeneratorRun Of(Compilation compilation) => Of(CreateDriver(), compilation);

    public static GeneratorRun Of(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return new GeneratorRun(compilation, output, driver);
    }

    /// <summary>The generated text of the file with hint name <paramref name="hintName"/>.</summary>
    public string TextOf(string hintName) =>
        GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    /// <summary>
    /// The kernel types the run emitted, as <c>Model.Kernel</c>, sorted: every generated static class
    /// that carries NormGen's <c>[GeneratedCode]</c>.
    /// </summary>
    public IReadOnlyList<string> KernelNames =>
        GeneratedSources
            .SelectMany(source => source.SyntaxTree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Where(type => type.AttributeLists.SelectMany(list => list.Attributes).Any(a => a.Name.ToString().EndsWith("GeneratedCode", StringComparison.Ordinal)))
            .Select(type => $"{((BaseTypeDeclarationSyntax)type.Parent!).Identifier.Text}.{type.Identifier.Text}")
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToList();

    /// <summary>Every incremental step that yields a model, one per norm kind the pipeline matches on.</summary>
    public static IReadOnlyList<string> ModelSteps { get; } =
    [
        TrackingNames.LayerNormModels,
        TrackingNames.RmsNormModels,
        TrackingNames.BatchNormModels,
        TrackingNames.GroupNormModels,
        TrackingNames.InstanceNormModels,
    ];

    /// <summary>The models the pipeline produced in this run, from every model step.</summary>
    public IReadOnlyList<ModelSpec> Models =>
        ModelSteps
            .Where(Result.TrackedSteps.ContainsKey)
            .SelectMany(step => Result.TrackedSteps[step])
            .SelectMany(step => step.Outputs)
            .Select(output => output.Value)
            .OfType<ModelSpec>()
            .ToList();

    /// <summary>
    /// The kernels the generator decided to emit, as <c>Model.Kernel</c>, sorted: the norms its models
    /// hold, whichever emitter writes them, or none when the compilation does not allow unsafe code.
    /// </summary>
    public IReadOnlyList<string> PlannedKernelNames =>
        AllowsUnsafe
            ? Models
                .SelectMany(model => model.Norms.Select(norm => $"{SimpleName(model.Type.Name)}.{norm.KernelName}"))
                .OrderBy(name => name, StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>The norms behind <see cref="PlannedKernelNames"/>, as the emitters receive them.</summary>
    public IReadOnlyList<NormSpec> PlannedNorms => AllowsUnsafe ? Models.SelectMany(model => model.Norms).ToList() : [];

    // The step runs only once some model needs it.
    private bool AllowsUnsafe =>
        Result.TrackedSteps.TryGetValue(TrackingNames.AllowsUnsafe, out var steps)
        && steps.SelectMany(step => step.Outputs).Any(output => output.Value is true);

    /// <summary>
    /// Asserts that the generator planned exactly <paramref name="expected"/> (as <c>Model.Kernel</c>)
    /// and that its output holds exactly those kernels.
    /// </summary>
    public void AssertEmitted(IEnumerable<string> expected)
    {
        List<string> sorted = expected.OrderBy(name => name, StringComparer.Ordinal).ToList();
        Assert.Equal(sorted, PlannedKernelNames);
        Assert.Equal(sorted, KernelNames);
    }

    private static string SimpleName(string typeName)
    {
        int angle = typeName.IndexOf('<');
        return angle < 0 ? typeName : typeName[..angle];
    }

    /// <summary>
    /// Asserts the generator did its job quietly: it threw nothing, reported nothing (diagnostics are
    /// the analyzer's), and its output added no compiler error or warning to the compilation.
    /// </summary>
    public void AssertCleanRun()
    {
        Assert.Null(Result.Exception);
        Assert.Empty(Result.Diagnostics);
        Assert.Empty(NewCompilerDiagnostics());
    }

    /// <summary>
    /// Compiler errors and warnings of the output compilation that the input did not already have:
    /// whatever the generated files broke, in them or in the user's code.
    /// </summary>
    public IReadOnlyList<Diagnostic> NewCompilerDiagnostics()
    {
        var before = new HashSet<string>(Input.GetDiagnostics().Select(Key));
        return Output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !before.Contains(Key(d)))
            .ToList();

        static string Key(Diagnostic diagnostic) =>
            $"{diagnostic.Id} {diagnostic.Location.SourceTree?.FilePath} {diagnostic.Location.SourceSpan}";
    }
}
