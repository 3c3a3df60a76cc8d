package dev.concord.job;

import java.nio.file.Path;

/** A process that takes a run's lock, says so and waits to be killed: the other process of RunLockTest. */
public final class HoldLock {
  private HoldLock() {}

  public static void main(String[] args) throws InterruptedException {
    RunLock lock = RunLock.tryAcquire(Path.of(args[0]), args[1]).orElseThrow();
    System.out.println("held " + lock);
    System.out.flush();
    Thread.sleep(120_000);
  }
}
