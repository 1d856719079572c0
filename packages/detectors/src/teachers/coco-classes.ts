/**
 * The 80 COCO detection classes in the order both pretrained teachers emit them (= the YOLO / coco128 order), and
 * their sparse official COCO category ids (1..90; index k ↔ the k-th smallest id).
 */

/** COCO class names, index 0..79 (0 person … 79 toothbrush). */
export const COCO_CLASS_NAMES: readonly string[] = [
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
  "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
  "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
  "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
  "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
  "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
  "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
  "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
];

/** Official COCO category id of each class index 0..79 (ids 12, 26, 29, 30, 45, 66, 68, 69, 71, 83 are unused). */
export const COCO_CATEGORY_IDS: readonly number[] = (() => {
  const unused = new Set([12, 26, 29, 30, 45, 66, 68, 69, 71, 83]);
  const ids: number[] = [];
  for (let id = 1; ids.length < 80; id++) if (!unused.has(id)) ids.push(id);
  return ids;
})();
