# Homebrew formula for the Nexus release binaries. This file is a template: `npm run release`
# fills the double-braced placeholders from package.json and dist/SHA256SUMS and writes
# dist/nexus.rb, which goes into a tap as Formula/nexus.rb. Each platform downloads one binary.
class Nexus < Formula
  desc "One OpenAI-compatible endpoint in front of every LLM server in your home lab"
  homepage "{{HOMEPAGE}}"
  version "{{VERSION}}"
  license "MIT"

  on_macos do
    on_arm do
      url "{{URL_DARWIN_ARM64}}"
      sha256 "{{SHA256_DARWIN_ARM64}}"
    end
    on_intel do
      url "{{URL_DARWIN_X64}}"
      sha256 "{{SHA256_DARWIN_X64}}"
    end
  end

  on_linux do
    on_arm do
      url "{{URL_LINUX_ARM64}}"
      sha256 "{{SHA256_LINUX_ARM64}}"
    end
    on_intel do
      url "{{URL_LINUX_X64}}"
      sha256 "{{SHA256_LINUX_X64}}"
    end
  end

  def install
    # The download is the bare executable, staged under its release name (nexus-<os>-<arch>).
    bin.install Dir["nexus-*"].first => "nexus"
  end

  def post_install
    # A commented config with every default; an existing one is never overwritten.
    config = etc/"nexus/nexus.toml"
    return if config.exist?

    config.dirname.mkpath
    system bin/"nexus", "config", "init", "-o", config
  end

  service do
    run [opt_bin/"nexus", "serve", "--config", etc/"nexus/nexus.toml"]
    keep_alive true
    log_path var/"log/nexus.log"
    error_log_path var/"log/nexus.log"
  end

  def caveats
    <<~EOS
      The config is #{etc}/nexus/nexus.toml (kept on upgrade and uninstall).
      Nexus serves on port 8000 on every interface by default.
    EOS
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/nexus --version")
  end
end
