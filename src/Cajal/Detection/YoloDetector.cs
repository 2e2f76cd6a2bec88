using Cajal.Nn;

namespace Cajal.Detection;

/// <summary>A small Darknet-style detector with two YOLO heads (strides 16 and 8), three anchors each.</summary>
/// <remarks>
/// <para>Every block is conv 3×3 (no bias) → BatchNorm2d → LeakyReLU(0.1), Darknet's unit; downsampling is by stride-2
/// convolutions. With width w: <c>backbone</c> = blocks 3→w /2, w→2w /2, 2w→4w /2, 4w→4w (stride 8);
/// <c>fine</c> = block 4w→4w then a 1×1 conv to A·(5+C) (stride 8); <c>neck</c> = blocks 4w→8w /2, 8w→8w (stride 16);
/// <c>coarse</c> = block 8w→8w then a 1×1 conv to A·(5+C). The 1×1 output convolutions have biases; the objectness
/// biases start at ln(0.01/0.99), so every position starts near "no object" (probability 0.01) and the many empty
/// positions do not swamp the first steps with large no-object gradients (RetinaNet's prior initialisation).</para>
/// <para>Anchors: six (width, height) in input pixels, ascending by area. The coarse scale (scale 0, as the loss spec
/// orders scales) uses anchors 3, 4, 5; the fine scale (scale 1) uses 0, 1, 2.</para>
/// <para>Shape: input (N, 3, S, S) with S divisible by 16 → <see cref="ForwardScales"/> gives (N, A·(5+C), S/16, S/16)
/// and (N, A·(5+C), S/8, S/8); <see cref="Forward"/> gives both flattened and joined, (N, A·(5+C), (S/16)² + (S/8)²).</para>
/// </remarks>
public sealed class YoloDetector : Module
{
    /// <summary>Anchors per scale.</summary>
    public const int AnchorsPerScale = 3;

    /// <summary>The objectness probability every position starts with (through the output bias).</summary>
    public const double ObjectnessPrior = 0.01;

    private readonly Sequential _backbone, _fine, _neck, _coarse;
    private readonly (double Width, double Height)[] _anchors;

    /// <summary>Creates the detector with freshly initialised weights.</summary>
    /// <param name="classes">Number of classes C.</param>
    /// <param name="anchors">Six anchors (width, height) in input pixels, ascending by area.</param>
    /// <param name="inputSize">Side of the square input in pixels; divisible by 16.</param>
    /// <param name="width">Channels of the first block (w); later blocks use 2w, 4w and 8w.</param>
    /// <param name="generator">Draws the initial weights (<see cref="Generator.Default"/> when null).</param>
    public YoloDetector(int classes, IReadOnlyList<(double Width, double Height)> anchors, int inputSize = 96, int width = 16, Generator? generator = null)
    {
        const string op = "YoloDetector";
        ArgumentNullException.ThrowIfNull(anchors);
        if (classes < 1) throw new ArgumentException($"{op}: classes must be at least 1, got {classes}.", nameof(classes));
        if (inputSize < 16 || inputSize % 16 != 0) throw new ArgumentException($"{op}: inputSize must be a positive multiple of 16, got {inputSize}.", nameof(inputSize));
        if (width < 1) throw new ArgumentException($"{op}: width must be at least 1, got {width}.", nameof(width));
        if (anchors.Count != 2 * AnchorsPerScale) throw new ArgumentException($"{op}: expected {2 * AnchorsPerScale} anchors, got {anchors.Count}.", nameof(anchors));
        for (int k = 0; k < anchors.Count; k++)
        {
            if (!(anchors[k].Width > 0) || !(anchors[k].Height > 0) || !double.IsFinite(anchors[k].Width) || !double.IsFinite(anchors[k].Height))
                throw new ArgumentException($"{op}: anchor {k} is {anchors[k].Width}×{anchors[k].Height}; sides must be positive and finite.", nameof(anchors));
            if (k > 0 && anchors[k].Width * anchors[k].Height < anchors[k - 1].Width * anchors[k - 1].Height)
                throw new ArgumentException($"{op}: anchors must be sorted by ascending area; anchor {k} is smaller than anchor {k - 1}.", nameof(anchors));
        }
        Classes = classes;
        InputSize = inputSize;
        Width = width;
        _anchors = [.. anchors];
        int outputs = AnchorsPerScale * (5 + classes);
        _backbone = new Sequential(
            Block(3, width, 2, generator), Block(width, 2 * width, 2, generator),
            Block(2 * width, 4 * width, 2, generator), Block(4 * width, 4 * width, 1, generator));
        _fine = new Sequential(Block(4 * width, 4 * width, 1, generator), Output(4 * width, outputs, classes, generator));
        _neck = new Sequential(Block(4 * width, 8 * width, 2, generator), Block(8 * width, 8 * width, 1, generator));
        _coarse = new Sequential(Block(8 * width, 8 * width, 1, generator), Output(8 * width, outputs, classes, generator));
    }

    /// <summary>Number of classes C.</summary>
    public int Classes { get; }

    /// <summary>Side of the square input in pixels.</summary>
    public int InputSize { get; }

    /// <summary>Channels of the first block.</summary>
    public int Width { get; }

    /// <summary>The six anchors (width, height) in input pixels, ascending by area.</summary>
    public IReadOnlyList<(double Width, double Height)> Anchors => _anchors;

    /// <summary>The anchor indices of each scale: scale 0 (coarse, stride 16) uses 3, 4, 5; scale 1 (fine, stride 8) uses 0, 1, 2.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Masks { get; } = [[3, 4, 5], [0, 1, 2]];

    /// <summary>The raw outputs of both heads: (N, A·(5+C), S/16, S/16) and (N, A·(5+C), S/8, S/8), the loss's layout.</summary>
    public IReadOnlyList<Tensor> ForwardScales(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4 || input.Size(1) != 3 || input.Size(2) != InputSize || input.Size(3) != InputSize)
            throw new ArgumentException($"YoloDetector: expected input (N, 3, {InputSize}, {InputSize}), got {input.Shape}.", nameof(input));
        var features = _backbone.Forward(input);
        var fine = _fine.Forward(features);
        var coarse = _coarse.Forward(_neck.Forward(features));
        return [coarse, fine];
    }

    /// <summary>Both heads' outputs flattened over the grid and joined: (N, A·(5+C), (S/16)² + (S/8)²), coarse positions first.</summary>
    public override Tensor Forward(Tensor input)
    {
        var scales = ForwardScales(input);
        return Tensor.Cat(scales.Select(s => s.Reshape(s.Size(0), s.Size(1), -1)).ToList(), 2);
    }

    /// <summary>Detects objects in a batch without recording gradients: decode, then per-class NMS.</summary>
    /// <param name="images">(N, 3, S, S) images, as trained on.</param>
    /// <param name="scoreThreshold">Smallest objectness × class score kept.</param>
    /// <param name="iouThreshold">NMS overlap threshold.</param>
    /// <param name="maxDetections">Most detections per image, or null for all.</param>
    /// <remarks>Uses the module's current mode: call <see cref="Module.Eval"/> first for BatchNorm's running statistics.</remarks>
    public IReadOnlyList<DetectedBox>[] Detect(Tensor images, double scoreThreshold = 0.25, double iouThreshold = 0.45, int? maxDetections = 100)
    {
        IReadOnlyList<Tensor> raw;
        using (Autograd.NoGrad()) raw = ForwardScales(images);
        return YoloDecoder.Detect(raw, _anchors, Masks, InputSize, InputSize, Classes, scoreThreshold, iouThreshold, maxDetections);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Module Module)> NamedChildren() =>
        [("backbone", _backbone), ("fine", _fine), ("neck", _neck), ("coarse", _coarse)];

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"classes={Classes}, input_size={InputSize}, width={Width}");

    private static Sequential Block(int inChannels, int outChannels, int stride, Generator? generator) => new(
        new Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false, generator: generator),
        new BatchNorm2d(outChannels),
        new LeakyReLU(0.1));

    private static Conv2d Output(int inChannels, int outputs, int classes, Generator? generator)
    {
        var conv = new Conv2d(inChannels, outputs, 1, generator: generator);
        using (Autograd.NoGrad())
        {
            var bias = conv.Bias!.ToArray<float>();
            for (int a = 0; a < AnchorsPerScale; a++) bias[a * (5 + classes) + 4] = (float)Math.Log(ObjectnessPrior / (1 - ObjectnessPrior));
            conv.Bias.CopyFrom(Tensor.FromArray(bias, bias.Length));
        }
        return conv;
    }
}
