using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA010: a module class whose submodules TorchSharp cannot find: it holds modules in fields but
/// never calls <c>RegisterComponents()</c> (nor <c>register_module</c>), or it keeps modules in arrays,
/// lists or dictionaries instead of <c>ModuleList</c>/<c>ModuleDict</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnregisteredSubmodulesAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The property marking the "never registered" form, which the fix handles.</summary>
    public const string MissingRegistrationProperty = "MissingRegistration";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnregisteredSubmodules);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is not { } torch || torch.Module is null)
            {
                return;
            }

            start.RegisterSymbolStartAction(symbolStart => OnModuleType(symbolStart, torch), SymbolKind.NamedType);
        });
    }

    private static void OnModuleType(SymbolStartAnalysisContext context, TorchSharpSymbols torch)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || !torch.IsModule(type) || !type.Locations[0].IsInSource)
        {
            return;
        }

        // Set when any member of the type registers its components.
        int registers = 0;
        context.RegisterOperationAction(
            operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (invocation.TargetMethod.Name is "RegisterComponents" or "register_module" &&
                    torch.IsModule(invocation.TargetMethod.ContainingType))
                {
                    Interlocked.Exchange(ref registers, 1);
                }
            },
            OperationKind.Invocation);

        context.RegisterSymbolEndAction(end =>
        {
            bool holdsModules = false;
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is not IFieldSymbol { IsStatic: false, IsImplicitlyDeclared: false } field)
                {
                    continue;
                }

                if (torch.IsModule(field.Type))
                {
                    holdsModules = true;
                }
                else if (ModuleCollectionElement(field.Type, torch) is { } element)
                {
                    end.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UnregisteredSubmodules,
                        field.Locations[0],
                        $"'{type.Name}.{field.Name}' keeps modules in a {field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, which RegisterComponents() does not look into, so eval(), train(), parameters() and state_dict skip them; use {(field.Type is IArrayTypeSymbol || field.Type.Name.Contains("List") ? "ModuleList" : "ModuleDict")}<{element.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}>"));
                }
            }

            // A base class of ours that registers covers fields set by initializers; stay quiet then.
            if (holdsModules && Volatile.Read(ref registers) == 0 && !BaseRegisters(type, torch))
            {
                end.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.UnregisteredSubmodules,
                    type.Locations[0],
                    ImmutableDictionary<string, string?>.Empty.Add(MissingRegistrationProperty, "true"),
                    $"'{type.Name}' holds submodules but never calls RegisterComponents(), so eval(), train(), parameters() and state_dict skip them; call RegisterComponents() at the end of its constructor"));
            }
        });
    }

    /// <summary>The module element type of an array, list or dictionary field, or null.</summary>
    private static ITypeSymbol? ModuleCollectionElement(ITypeSymbol type, TorchSharpSymbols torch)
    {
        if (type is IArrayTypeSymbol array)
        {
            return torch.IsModule(array.ElementType) ? array.ElementType : null;
        }

        // ModuleList and ModuleDict are modules themselves, and were handled as such.
        if (type is INamedTypeSymbol { IsGenericType: true } generic &&
            generic.ContainingNamespace?.ToDisplayString() is "System.Collections.Generic" or "System.Collections.Immutable")
        {
            ITypeSymbol element = generic.TypeArguments[generic.TypeArguments.Length - 1];
            return torch.IsModule(element) ? element : null;
        }

        return null;
    }

    /// <summary>Whether a base class declared in source calls RegisterComponents (by name, in its syntax).</summary>
    private static bool BaseRegisters(INamedTypeSymbol type, TorchSharpSymbols torch)
    {
        for (INamedTypeSymbol? current = type.BaseType; current is not null && torch.IsModule(current); current = current.BaseType)
        {
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                foreach (SyntaxNode node in reference.GetSyntax().DescendantNodes())
                {
                    if (node is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax { Identifier.ValueText: "RegisterComponents" or "register_module" })
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
