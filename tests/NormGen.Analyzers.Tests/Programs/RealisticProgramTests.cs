using System.Threading.Tasks;
using Xunit;

namespace NormGen.Analyzers.Tests.Programs;

/// <summary>
/// Whole TorchSharp programs written the way people write them, run through every analyzer at once:
/// the correct ones produce nothing, and the broken one produces exactly its planted pitfalls.
/// </summary>
public class RealisticProgramTests
{
    private const string ResNet = """
        sealed class BasicBlock : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv1;
            private readonly BatchNorm2d bn1;
            private readonly Conv2d conv2;
            private readonly BatchNorm2d bn2;
            private readonly nn.Module<Tensor, Tensor>? downsample;

            public BasicBlock(long inPlanes, long planes, long stride = 1) : base(nameof(BasicBlock))
            {
                conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
                bn1 = nn.BatchNorm2d(planes);
                conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
                bn2 = nn.BatchNorm2d(planes);
                if (stride != 1 || inPlanes != planes)
                {
                    downsample = nn.Sequential(nn.Conv2d(inPlanes, planes, 1, stride: stride, bias: false), nn.BatchNorm2d(planes));
                }

                RegisterComponents();
            }

            public void ZeroInitResidual()
            {
                using var _ = torch.no_grad();
                // Zero-init residual: each block starts as the identity.
                nn.init.zeros_(bn2.weight);
            }

            public override Tensor forward(Tensor x)
            {
                var identity = downsample is null ? x : downsample.forward(x);
                var y = nn.functional.relu(bn1.forward(conv1.forward(x)));
                y = bn2.forward(conv2.forward(y));
                return nn.functional.relu(y + identity);
            }
        }

        sealed class ResNet : nn.Module<Tensor, Tensor>
        {
            private readonly Sequential stem = nn.Sequential(
                nn.Conv2d(3, 64, 3, padding: 1, bias: false),
                nn.BatchNorm2d(64, eps: 1e-5, momentum: 0.1),
                nn.ReLU());
            private readonly BasicBlock layer1 = new BasicBlock(64, 64);
            private readonly BasicBlock layer2 = new BasicBlock(64, 128, 2);
            private readonly Dropout dropout = nn.Dropout(0.2);
            private readonly Linear fc = nn.Linear(128, 10);

            public ResNet(bool zeroInitResidual) : base(nameof(ResNet))
            {
                RegisterComponents();
                using (torch.no_grad())
                {
                    foreach (var (_, module) in named_modules())
                    {
                        if (module is BatchNorm2d bn)
                        {
                            nn.init.ones_(bn.weight);
                            nn.init.zeros_(bn.bias);
                        }
                    }
                }

                if (zeroInitResidual)
                {
                    layer1.ZeroInitResidual();
                    layer2.ZeroInitResidual();
                }
            }

            public override Tensor forward(Tensor x) =>
                fc.forward(dropout.forward(layer2.forward(layer1.forward(stem.forward(x))).mean(new long[] { 2, 3 })));
        }

        sealed class TransformerBlock : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding positions = nn.Embedding(512, 256);
            private readonly LayerNorm ln1 = nn.LayerNorm(256);
            private readonly Linear qkv = nn.Linear(256, 768);
            private readonly LayerNorm ln2 = nn.LayerNorm(256, eps: 1e-6);
            private readonly Sequential mlp = nn.Sequential(nn.Linear(256, 1024), nn.GELU(), nn.Linear(1024, 256));
            private readonly GroupNorm groupNorm = nn.GroupNorm(32, 256);

            public TransformerBlock() : base(nameof(TransformerBlock)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                x = x + qkv.forward(ln1.forward(x)).narrow(-1, 0, 256);
                return x + mlp.forward(ln2.forward(x));
            }
        }
        """;

    private const string CorrectTraining = """
        using System.Linq;

        static class Program
        {
            public static void Main()
            {
                var model = new ResNet(zeroInitResidual: true);
                var optimizer = optim.SGD(new SGD.ParamGroup[]
                {
                    new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
                    new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
                }, 0.1, momentum: 0.9, weight_decay: 5e-4);
                var images = torch.randn(32, 3, 32, 32);
                var labels = torch.randint(0, 10, new long[] { 32 });

                for (int epoch = 0; epoch < 10; epoch++)
                {
                    model.train();
                    for (int step = 0; step < 100; step++)
                    {
                        using var scope = torch.NewDisposeScope();
                        optimizer.zero_grad();
                        var loss = nn.functional.cross_entropy(model.call(images), labels);
                        loss.backward();
                        optimizer.step();
                    }

                    model.eval();
                    using (torch.no_grad())
                    {
                        var accuracy = model.call(images).argmax(1).eq(labels).to_type(ScalarType.Float32).mean();
                        Console.WriteLine($"epoch {epoch}: {accuracy.item<float>():P1}");
                        Console.WriteLine(model.call(images[0].unsqueeze(0)).argmax(1).item<long>());
                    }
                }

                var transformer = new TransformerBlock();
                var adam = optim.AdamW(transformer.parameters(), lr: 3e-4);
                var tokens = torch.randn(4, 16, 256);
                for (int step = 0; step < 10; step++)
                {
                    adam.zero_grad();
                    transformer.call(tokens).pow(2).mean().backward();
                    adam.step();
                }

                var normalized = (tokens - tokens.mean(new long[] { -1 }, keepdim: true)) / (tokens.var(-1, unbiased: false, keepdim: true) + 1e-5).sqrt();
                var classifier = nn.Sequential(nn.Linear(256, 64, hasBias: false), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10));

                transformer.eval();
                using (torch.inference_mode())
                {
                    Console.WriteLine(transformer.call(tokens).shape[0]);
                }
            }

            public static void TrainFromDataset(utils.data.Dataset train, utils.data.Dataset test)
            {
                var model = new ResNet(zeroInitResidual: true);
                var optimizer = optim.AdamW(new AdamW.ParamGroup[]
                {
                    new() { Parameters = model.parameters().Where(p => p.dim() > 1) },
                    new() { Parameters = model.parameters().Where(p => p.dim() <= 1), Options = new() { weight_decay = 0 } },
                }, lr: 1e-3, weight_decay: 0.05);
                using var loader = utils.data.DataLoader(train, batchSize: 128, shuffle: true);
                model.train();
                foreach (var batch in loader)
                {
                    optimizer.zero_grad();
                    nn.functional.cross_entropy(model.call(batch["data"]), batch["label"]).backward();
                    optimizer.step();
                }

                // One image at a time for inference: the running statistics are used.
                model.eval();
                using (torch.no_grad())
                {
                    foreach (var sample in utils.data.DataLoader(test, batchSize: 1))
                    {
                        Console.WriteLine(model.call(sample["data"]).argmax(1).item<long>());
                    }
                }
            }

            public static Tensor Predict(ResNet model, Tensor image)
            {
                model.eval();
                return model.call(image.unsqueeze(0)).argmax(1);
            }
        }
        """;

    [Fact]
    public Task Correct_ResNet_and_transformer_training_produce_no_diagnostics() =>
        new AllAnalyzersTest(Models.Usings + CorrectTraining + ResNet).RunAsync();

    [Fact]
    public Task Broken_program_produces_exactly_its_planted_pitfalls() => new AllAnalyzersTest(Models.Usings + """
        static class Program
        {
            public static void Main()
            {
                var head = nn.Sequential({|NGA007:nn.Linear(128, 64)|}, nn.BatchNorm1d(64, momentum: {|NGA002:0.99|}), nn.GroupNorm({|NGA001:3|}, 64));
                var model = new ResNet(zeroInitResidual: false);
                var optimizer = optim.SGD(model.parameters(), 0.1);
                var images = torch.randn(32, 3, 32, 32);
                var labels = torch.randint(0, 10, new long[] { 32 });
                var norm = nn.LayerNorm(64, eps: {|NGA003:0|});
                using (torch.no_grad())
                {
                    {|NGA004:nn.init.zeros_(norm.weight)|};
                }

                for (int epoch = 0; epoch < 10; epoch++)
                {
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(images), labels);
                    {|NGA006:loss.backward()|};
                    optimizer.step();

                    model.eval();
                    Console.WriteLine(model.call(images).sum().item<float>());
                }

                var h = torch.randn(4, 64);
                var manual = (h - h.mean(new long[] { -1 }, keepdim: true)) / ({|NGA008:h.std(-1, keepdim: true) + 1e-5|});
                var classifier = nn.Sequential(nn.Dropout(0.5), {|NGA009:nn.BatchNorm1d(64)|}, nn.Linear(64, 10));

                var fresh = new ResNet(zeroInitResidual: false);
                using (torch.no_grad())
                {
                    Console.WriteLine({|NGA005:fresh.call(images)|}.sum().item<float>());
                }
            }
        }

        static class FineTuning
        {
            public static void OnOneImage(Tensor image)
            {
                var finetune = new ResNet(zeroInitResidual: false);
                var optimizer = {|NGA015:optim.AdamW(finetune.parameters(), weight_decay: 0.05)|};
                var single = image.unsqueeze(0);
                {|NGA014:finetune.call(single)|}.sum().backward();
                optimizer.step();
            }
        }

        sealed class Tagger : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(1000, 256);
            private readonly BatchNorm1d norm = {|NGA013:nn.BatchNorm1d(256)|};
            private readonly Sequential head = nn.Sequential(nn.Linear(256, 128), nn.LayerNorm({|NGA011:64|}));
            private readonly LayerNorm image = nn.LayerNorm({|NGA012:new long[] { 3, 32, 32 }|});

            public Tagger() : base(nameof(Tagger)) => RegisterComponents();

            public override Tensor forward(Tensor tokens) => head.forward(norm.forward(embedding.forward(tokens)));
        }

        sealed class {|NGA010:Probe|} : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(64, 10);
            private readonly List<BatchNorm1d> {|NGA010:norms|} = new();

            public Probe() : base(nameof(Probe)) { }

            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """ + ResNet).RunAsync();
}
