using System.Collections.Generic;
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
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>NGA010: appends <c>RegisterComponents();</c> to every block-bodied instance constructor of the module class.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnregisteredSubmodulesCodeFixProvider))]
[Shared]
public sealed class UnregisteredSubmodulesCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA010");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // Only the "never registered" form; collections need a type change the user should choose.
            if (!diagnostic.Properties.ContainsKey(UnregisteredSubmodulesAnalyzer.MissingRegistrationProperty) ||
                root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<ClassDeclarationSyntax>() is not { } declaration ||
                !Constructors(declaration).Any())
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Call RegisterComponents() in the constructor",
                    token => AddRegistrationAsync(context.Document, declaration, token),
                    equivalenceKey: nameof(UnregisteredSubmodulesCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>The instance constructors that can take a statement.</summary>
    private static IEnumerable<ConstructorDeclarationSyntax> Constructors(ClassDeclarationSyntax declaration) =>
        declaration.Members.OfType<ConstructorDeclarationSyntax>()
            .Where(c => c.Body is not null && !c.Modifiers.Any(SyntaxKind.StaticKeyword));

    private static async Task<Document> AddRegistrationAsync(Document document, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SyntaxNode updated = root.ReplaceNodes(
            Constructors(declaration).Select(c => c.Body!),
            (original, _) =>
            {
                var body = (BlockSyntax)original;
                // The indentation of the last statement's line, or one level inside the braces.
                SyntaxTrivia? last = body.Statements.Count > 0 ? body.Statements.Last().GetLeadingTrivia().LastOrDefault() : null;
                SyntaxTrivia indentation = last is { } trivia && trivia.IsKind(SyntaxKind.WhitespaceTrivia)
                    ? trivia
                    : SyntaxFactory.Whitespace(body.OpenBraceToken.LeadingTrivia.ToFullString() + "    ");
                StatementSyntax call = SyntaxFactory.ParseStatement("RegisterComponents();")
                    .WithLeadingTrivia(indentation)
                    .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
                return body.AddStatements(call);
            });
        return document.WithSyntaxRoot(updated);
    }
}
