using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.UnregisteredSubmodulesAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA010_UnregisteredSubmodulesTests
{
    [Fact]
    public Task Modules_never_registered_or_kept_in_plain_collections_are_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class {|NGA010:Forgotten|} : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(3, 16, 3, bias: false);
            private readonly BatchNorm2d bn = nn.BatchNorm2d(16);

            public Forgotten() : base(nameof(Forgotten)) { }

            public override Tensor forward(Tensor x) => bn.forward(conv.forward(x));
        }

        sealed class Stack : nn.Module<Tensor, Tensor>
        {
            private readonly nn.Module<Tensor, Tensor>[] {|NGA010:blocks|};
            private readonly List<BatchNorm2d> {|NGA010:norms|} = new();
            private readonly Dictionary<string, Linear> {|NGA010:heads|} = new();

            public Stack() : base(nameof(Stack))
            {
                blocks = new nn.Module<Tensor, Tensor>[] { nn.Conv2d(16, 16, 3), nn.Conv2d(16, 16, 3) };
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                foreach (var block in blocks) x = block.forward(x);
                return x;
            }
        }
        """);

    [Fact]
    public Task Registered_modules_module_lists_and_plain_classes_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        sealed class Registered : nn.Module<Tensor, Tensor>
        {
            private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Conv2d(3, 3, 3), nn.ReLU());
            private readonly ModuleDict<nn.Module<Tensor, Tensor>> heads = new ModuleDict<nn.Module<Tensor, Tensor>>();
            private readonly BatchNorm2d bn = nn.BatchNorm2d(3);
            private readonly List<int> sizes = new() { 1, 2 };

            public Registered() : base(nameof(Registered)) => RegisterComponents();

            public override Tensor forward(Tensor x) => bn.forward(x);
        }

        sealed class ByHand : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);

            public ByHand() : base(nameof(ByHand)) => register_module("fc", fc);

            public override Tensor forward(Tensor x) => fc.forward(x);
        }

        abstract class Base : nn.Module<Tensor, Tensor>
        {
            protected Base(string name) : base(name) { }

            protected void Done() => RegisterComponents();
        }

        sealed class Derived : Base
        {
            private readonly Linear fc = nn.Linear(4, 4);

            public Derived() : base(nameof(Derived)) => Done();

            public override Tensor forward(Tensor x) => fc.forward(x);
        }

        // No submodules at all: nothing to register.
        sealed class Activation : nn.Module<Tensor, Tensor>
        {
            public Activation() : base(nameof(Activation)) { }

            public override Tensor forward(Tensor x) => nn.functional.relu(x);
        }

        // Not a module: holding modules in a list is fine.
        sealed class Ensemble
        {
            private readonly List<Linear> members = new();
        }
        """);

    [Fact]
    public Task Fix_registers_at_the_end_of_every_constructor() => Verifier.CodeFixAsync<UnregisteredSubmodulesCodeFixProvider>(Models.Usings + """
        sealed class {|NGA010:Forgotten|} : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc;

            public Forgotten() : base(nameof(Forgotten))
            {
                fc = nn.Linear(4, 4);
            }

            public Forgotten(long size) : base(nameof(Forgotten))
            {
                // Sized.
                fc = nn.Linear(size, size);
            }

            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """, Models.Usings + """
        sealed class Forgotten : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc;

            public Forgotten() : base(nameof(Forgotten))
            {
                fc = nn.Linear(4, 4);
                RegisterComponents();
            }

            public Forgotten(long size) : base(nameof(Forgotten))
            {
                // Sized.
                fc = nn.Linear(size, size);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);
}
