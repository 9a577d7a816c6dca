package dev.herald.infra.report;

import gov.nist.secauto.metaschema.binding.IBindingContext;
import gov.nist.secauto.metaschema.binding.io.Format;
import gov.nist.secauto.metaschema.model.common.constraint.IConstraint;
import gov.nist.secauto.metaschema.model.common.validation.IValidationFinding;
import gov.nist.secauto.metaschema.model.common.validation.IValidationResult;
import gov.nist.secauto.metaschema.model.common.validation.JsonSchemaContentValidator;
import gov.nist.secauto.oscal.lib.OscalBindingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.transform.Source;
import org.json.JSONObject;
import org.xml.sax.SAXException;

/**
 * Validates an OSCAL {@code assessment-results} JSON document as NIST's own tooling does ({@code
 * oscal-cli validate}): against the OSCAL 1.1.2 JSON schema that {@code liboscal-java} ships
 * ({@code schema/json/oscal-ar_schema.json}), then, if that passes, against the constraints of the
 * OSCAL models (allowed values, identifier references, uniqueness).
 *
 * <pre>{@code
 * OscalValidator.Result r = OscalValidator.validate(Path.of("herald-report-g1-24h.oscal.json"));
 * if (!r.valid()) r.findings().forEach(System.err::println);
 * }</pre>
 */
public final class OscalValidator {
  /** The JSON schema of OSCAL assessment results inside {@code liboscal-java}. */
  static final String SCHEMA = "/schema/json/oscal-ar_schema.json";

  private OscalValidator() {}

  /**
   * The outcome of a validation.
   *
   * @param valid no finding at ERROR or above
   * @param findings every finding, {@code LEVEL: message}, in the order found
   */
  public record Result(boolean valid, List<String> findings) {}

  /**
   * Validates {@code file} (OSCAL JSON).
   *
   * @throws UncheckedIOException if the file cannot be read or is not JSON
   */
  public static Result validate(Path file) {
    IValidationResult result;
    try {
      result = OscalBindingContext.instance().validate(file, Format.JSON, new ArSchema());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + " as OSCAL JSON: " + e.getMessage(), e);
    } catch (SAXException e) {
      throw new IllegalStateException("unexpected XML error validating JSON " + file, e);
    }
    List<String> findings = new ArrayList<>();
    for (IValidationFinding f : result.getFindings()) {
      findings.add(f.getSeverity() + ": " + f.getMessage());
    }
    boolean valid =
        result.getHighestSeverity().ordinal() < IConstraint.Level.ERROR.ordinal()
            && result.isPassing();
    return new Result(valid, List.copyOf(findings));
  }

  /** The assessment-results schema for {@link IBindingContext#validate}; JSON only. */
  private static final class ArSchema implements IBindingContext.IValidationSchemaProvider {
    @Override
    public JSONObject getJsonSchema() throws IOException {
      try (InputStream in = OscalBindingContext.class.getResourceAsStream(SCHEMA)) {
        if (in == null) {
          throw new IOException(SCHEMA + " is not on the classpath (liboscal-java missing?)");
        }
        return JsonSchemaContentValidator.toJsonObject(in);
      }
    }

    @Override
    public List<Source> getXmlSchemas() {
      throw new UnsupportedOperationException("Herald writes OSCAL as JSON only");
    }
  }
}
