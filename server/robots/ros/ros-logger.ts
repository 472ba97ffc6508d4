/** Where the ROS bridge reports what it drops or retries (the server passes its Fastify logger). */
export interface RosLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const consoleRosLogger: RosLogger = {
  info: (m) => console.info(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
