using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA015: splits the parameters into two groups of the optimizer's own <c>ParamGroup</c> type:
/// the weights (two or more dimensions) keep the optimizer's weight decay, and the 1-D parameters
/// (norm γ and β, biases) get none. Every other argument of the optimizer stays as written.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WeightDecayOnNormParametersCodeFixProvider))]
[Shared]
public sealed class WeightDecayOnNormParametersCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA015");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
                model?.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation operation ||
                GroupType(operation) is not { } groupType ||
                operation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "parameters")?.Syntax is not ArgumentSyntax parameters)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Exempt norm parameters and biases from weight decay",
                    token => SplitAsync(context.Document, invocation, parameters, groupType, token),
                    equivalenceKey: nameof(WeightDecayOnNormParametersCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>
    /// The optimizer's <c>ParamGroup</c> type when the factory has an overload that takes groups and
    /// the group's options carry a weight decay; null otherwise (no fix then).
    /// </summary>
    private static INamedTypeSymbol? GroupType(IInvocationOperation operation)
    {
        IMethodSymbol method = operation.TargetMethod;
        if (method.ReturnType is not INamedTypeSymbol optimizer ||
            optimizer.GetTypeMembers("ParamGroup").FirstOrDefault() is not { } group ||
            optimizer.GetTypeMembers("Options").FirstOrDefault() is not { } options ||
            options.GetMembers("weight_decay").IsEmpty)
        {
            return null;
        }

        foreach (ISymbol overload in method.ContainingType.GetMembers(method.Name))
        {
            if (overload is IMethodSymbol { Parameters.Length: > 0 } candidate &&
                candidate.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } enumerable &&
                SymbolEqualityComparer.Default.Equals(enumerable.TypeArguments[0], group))
            {
                return group;
            }
        }

        return null;
    }

    private static async Task<Document> SplitAsync(Document document, InvocationExpressionSyntax invocation, ArgumentSyntax parameters, INamedTypeSymbol groupType, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        int position = invocation.SpanStart;
        string groupName = groupType.ToMinimalDisplayString(model, position);
        string source = parameters.Expression.ToString();

        string indentation = LineIndentation(invocation);
        string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } found ? found : "\n";
        string groups =
            $"new {groupName}[]{newLine}" +
            $"{indentation}{{{newLine}" +
            $"{indentation}    new() {{ Parameters = {source}.Where(p => p.dim() > 1) }},{newLine}" +
            $"{indentation}    new() {{ Parameters = {source}.Where(p => p.dim() <= 1), Options = new() {{ weight_decay = 0 }} }},{newLine}" +
            $"{indentation}}}";

        ExpressionSyntax replacement = SyntaxFactory.ParseExpression(groups).WithTriviaFrom(parameters.Expression);
        root = root.ReplaceNode(parameters.Expression, replacement);

        // Enumerable.Where needs System.Linq in scope.
        if (root is CompilationUnitSyntax unit && !LinqInScope(model, position, model.GetTypeInfo(parameters.Expression, cancellationToken).Type))
        {
            UsingDirectiveSyntax linq = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("System.Linq"))
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
            int index = 0;
            while (index < unit.Usings.Count &&
                   unit.Usings[index].StaticKeyword.IsKind(SyntaxKind.None) &&
                   unit.Usings[index].Alias is null &&
                   string.CompareOrdinal(unit.Usings[index].Name?.ToString(), "System.Linq") < 0)
            {
                index++;
            }

            root = unit.WithUsings(unit.Usings.Insert(index, linq));
        }

        return document.WithSyntaxRoot(root);
    }

    private static bool LinqInScope(SemanticModel model, int position, ITypeSymbol? parameters) =>
        parameters is not null &&
        model.LookupSymbols(position, parameters, "Where", includeReducedExtensionMethods: true).Any();

    /// <summary>The whitespace that starts the line the node starts on.</summary>
    private static string LineIndentation(SyntaxNode node)
    {
        Microsoft.CodeAnalysis.Text.SourceText text = node.SyntaxTree.GetText();
        Microsoft.CodeAnalysis.Text.TextLine line = text.Lines.GetLineFromPosition(node.SpanStart);
        string content = line.ToString();
        return content.Substring(0, content.Length - content.TrimStart().Length);
    }
}
