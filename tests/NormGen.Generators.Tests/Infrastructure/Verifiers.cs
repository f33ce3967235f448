using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NormGen.Generators.Diagnostics;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>
/// The testing framework's source generator test, set up like a NormGen user's project. It checks
/// the generated files against the expected ones and compiles the result.
/// </summary>
internal sealed class NormGeneratorTest : CSharpSourceGeneratorTest<NormGenerator, DefaultVerifier>
{
    /// <param name="buildsDocumentation">
    /// Whether the project builds an XML documentation file, which makes the compiler check doc comments.
    /// </param>
    public NormGeneratorTest(bool buildsDocumentation = false)
    {
        ReferenceAssemblies = TestCompilation.ReferenceAssemblies;
        TestState.AdditionalReferences.Add(TestCompilation.Runtime);
        SolutionTransforms.Add(UserProject.Settings(allowUnsafe: true, buildsDocumentation));
    }
}

/// <summary>The testing framework's analyzer test for <see cref="NormAttributeAnalyzer"/>, set up like a NormGen user's project.</summary>
internal sealed class NormAttributeAnalyzerTest : CSharpAnalyzerTest<NormAttributeAnalyzer, DefaultVerifier>
{
    public NormAttributeAnalyzerTest(bool allowUnsafe = true)
    {
        ReferenceAssemblies = TestCompilation.ReferenceAssemblies;
        TestState.AdditionalReferences.Add(TestCompilation.Runtime);
        SolutionTransforms.Add(UserProject.Settings(allowUnsafe, buildsDocumentation: false));
    }
}

internal static class UserProject
{
    /// <summary>
    /// The compiler settings of a user's project: C# 12, nullable on, unsafe code as given, and doc
    /// comments checked only when the project builds documentation (the framework checks them always).
    /// </summary>
    public static Func<Solution, ProjectId, Solution> Settings(bool allowUnsafe, bool buildsDocumentation) => (solution, projectId) =>
    {
        Project project = solution.GetProject(projectId)!;
        var options = (CSharpCompilationOptions)project.CompilationOptions!;
        return solution
            .WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(allowUnsafe).WithNullableContextOptions(NullableContextOptions.Enable))
            .WithProjectParseOptions(projectId, TestCompilation.ParseOptions.WithDocumentationMode(
                buildsDocumentation ? DocumentationMode.Diagnose : DocumentationMode.Parse));
    };
}
