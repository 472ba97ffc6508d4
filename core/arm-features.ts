/** Joint and gripper facts of an arm, readable before it connects so a console can lay out its UI. */
export interface ArmFeatures {
  jointNames: string[];
  /** joint position limits, rad */
  lower: Float64Array;
  upper: Float64Array;
  /** joint velocity limits, rad/s */
  velocityLimit: Float64Array;
  /** name of the end-effector site (MuJoCo) or link (URDF) */
  eeName: string;
  /** finger opening range, m */
  gripperRange: [number, number];
}
