namespace Cajal.Detection;

/// <summary>The YOLOv3 target assignment (spec section 4): which positions hold an object and what they must predict.</summary>
/// <remarks>
/// For each image and each box in input order: the best of <b>all</b> K anchors by shape IoU (boxes centred at the
/// origin, in pixels; an exact tie goes to the lowest index); then on every scale whose mask holds that anchor, the
/// cell i = min(⌊cx·W_s⌋, W_s − 1), j = min(⌊cy·H_s⌋, H_s − 1) (product and floor in float64) becomes a positive with
/// g_x = cx·W_s − i, g_y = cy·H_s − j, g_w = ln(w·inputW/aw), g_h = ln(h·inputH/ah) and λ = 2 − w·h. When a later box
/// lands on a held position it overwrites the coordinates and λ, and its class joins the class set. A box whose best
/// anchor is in no mask makes no positive (it still counts in the loss's ignore test).
/// </remarks>
public sealed class YoloTargets
{
    private YoloTargets(IReadOnlyList<YoloPositive> positives, int batchSize, IReadOnlyList<(int Height, int Width)> grids)
    {
        Positives = positives;
        BatchSize = batchSize;
        Grids = grids;
    }

    /// <summary>The positives, ordered by scale, image, local anchor, cell row and cell column; each position appears once.</summary>
    public IReadOnlyList<YoloPositive> Positives { get; }

    /// <summary>The number of images N.</summary>
    public int BatchSize { get; }

    /// <summary>The grid (H_s, W_s) of every scale.</summary>
    public IReadOnlyList<(int Height, int Width)> Grids { get; }

    /// <summary>Assigns every box of every image to its positions on the given grids.</summary>
    /// <param name="grids">(H_s, W_s) per scale, in the order of <paramref name="masks"/>.</param>
    /// <param name="anchors">The K anchors (width, height) in input pixels.</param>
    /// <param name="masks">Per scale, the global indices of its anchors (distinct, in [0, K)); they may overlap across scales.</param>
    /// <param name="inputWidth">The network input width in pixels.</param>
    /// <param name="inputHeight">The network input height in pixels.</param>
    /// <param name="numClasses">The number of classes C.</param>
    /// <param name="boxes">One list per image (possibly empty) of boxes normalised to [0, 1].</param>
    /// <exception cref="ArgumentException">Any argument breaks spec section 9; the message names the scale, box or value.</exception>
    public static YoloTargets Build(IReadOnlyList<(int Height, int Width)> grids, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, int numClasses,
        IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes)
    {
        const string op = "YoloTargets.Build";
        YoloValidation.Configuration(anchors, masks, inputWidth, inputHeight, numClasses, YoloVariant.Keras, 0.5, op);
        YoloValidation.Grids(grids, masks.Count, op);
        ArgumentNullException.ThrowIfNull(boxes);
        YoloValidation.Boxes(boxes, boxes.Count, numClasses, op);
        return BuildChecked(grids, anchors, masks, inputWidth, inputHeight, boxes);
    }

    /// <summary>The index of the anchor whose shape best matches a box of size (w·inputW, h·inputH) pixels; ties go to the lowest index.</summary>
    /// <remarks>Shape IoU of two boxes centred at the origin: min(bw, aw)·min(bh, ah) / (bw·bh + aw·ah − min(bw, aw)·min(bh, ah)).</remarks>
    public static int BestAnchor(double w, double h, IReadOnlyList<(double Width, double Height)> anchors, double inputWidth, double inputHeight)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.Count == 0) throw new ArgumentException("BestAnchor: anchors is empty.", nameof(anchors));
        var box = (w * inputWidth, h * inputHeight);
        int best = 0;
        double bestIou = double.NegativeInfinity;
        for (int k = 0; k < anchors.Count; k++)
        {
            double iou = Boxes.ShapeIou(box, anchors[k]);
            if (iou > bestIou) { bestIou = iou; best = k; }   // strict: the lowest index wins a tie
        }
        return best;
    }

    /// <summary>The assignment for arguments that were already validated.</summary>
    internal static YoloTargets BuildChecked(IReadOnlyList<(int Height, int Width)> grids, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<IReadOnlyList<int>> masks, double inputWidth, double inputHeight, IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes)
    {
        // A position is keyed by its scale and its index ((b·A + a)·H + j)·W + i, so sorting the keys sorts by
        // scale, image, anchor, row and column.
        var slot = new Dictionary<long, int>();
        var entries = new List<Builder>();
        for (int b = 0; b < boxes.Count; b++)
        {
            var list = boxes[b];
            for (int t = 0; t < list.Count; t++)
            {
                var box = list[t];
                int k = BestAnchor(box.W, box.H, anchors, inputWidth, inputHeight);
                for (int s = 0; s < masks.Count; s++)
                {
                    int a = IndexOf(masks[s], k);
                    if (a < 0) continue;
                    var (gh, gw) = grids[s];
                    double fx = box.Cx * gw, fy = box.Cy * gh;   // float64 product, then floor
                    int i = Math.Min((int)Math.Floor(fx), gw - 1);
                    int j = Math.Min((int)Math.Floor(fy), gh - 1);
                    long key = ((long)s << 40) | (long)(((b * masks[s].Count + a) * gh + j) * gw + i);
                    if (!slot.TryGetValue(key, out int e))
                    {
                        slot[key] = e = entries.Count;
                        entries.Add(new Builder { Key = key, Image = b, Scale = s, Anchor = a, CellX = i, CellY = j });
                    }
                    var entry = entries[e];
                    // The last box wins the coordinates and λ; the class set is the union.
                    entry.Box = t;
                    entry.AnchorGlobal = k;
                    entry.Gx = fx - i;
                    entry.Gy = fy - j;
                    entry.Gw = Math.Log(box.W * inputWidth / anchors[k].Width);
                    entry.Gh = Math.Log(box.H * inputHeight / anchors[k].Height);
                    entry.Lambda = 2 - box.W * box.H;
                    if (!entry.Classes.Contains(box.Class)) entry.Classes.Add(box.Class);
                }
            }
        }
        entries.Sort((x, y) => x.Key.CompareTo(y.Key));
        var positives = new YoloPositive[entries.Count];
        for (int q = 0; q < positives.Length; q++)
        {
            var e = entries[q];
            e.Classes.Sort();
            positives[q] = new YoloPositive(e.Image, e.Scale, e.Anchor, e.AnchorGlobal, e.CellX, e.CellY, e.Box,
                e.Gx, e.Gy, e.Gw, e.Gh, e.Lambda, e.Classes.AsReadOnly());
        }
        return new YoloTargets(positives, boxes.Count, [.. grids]);
    }

    private static int IndexOf(IReadOnlyList<int> mask, int k)
    {
        for (int a = 0; a < mask.Count; a++)
            if (mask[a] == k) return a;
        return -1;
    }

    private sealed class Builder
    {
        public long Key;
        public int Image, Scale, Anchor, CellX, CellY, Box, AnchorGlobal;
        public double Gx, Gy, Gw, Gh, Lambda;
        public List<int> Classes { get; } = [];
    }
}
